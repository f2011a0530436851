package dev.quiver.dsl;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The layer classes a saved model's type names stand for: the caller's own classes by their simple
 * names (Keras' {@code custom_objects}), else the built-in layer of that name in {@code
 * dev.quiver.dsl.layers}. A name from a file is only ever looked up there, as a plain Java
 * identifier and without running the class's initializer; whatever it finds must be a {@link
 * Saveable} {@link Module} before anything of it is made, so a file cannot make Quiver instantiate
 * a class of its choosing.
 */
final class LayerTypes {
  static final String BUILT_IN_PACKAGE = "dev.quiver.dsl.layers";
  private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,99}");

  private final Map<String, Class<? extends Module>> given = new LinkedHashMap<>();

  /** The caller's own layer classes; each must be saveable, and their simple names distinct. */
  LayerTypes(List<Class<? extends Module>> ownLayers) {
    for (Class<? extends Module> c : ownLayers) {
      if (c == null) {
        throw new IllegalArgumentException("Models.load: a layer class given is null");
      }
      configClass(c);
      Class<? extends Module> before = given.put(typeName(c), c);
      if (before != null && before != c) {
        throw new IllegalArgumentException(
            "Models.load: two layer classes given are both named "
                + typeName(c)
                + ": "
                + before.getName()
                + " and "
                + c.getName());
      }
    }
  }

  /** The name a saved model gives a layer class: its simple name, as the first saved files did. */
  static String typeName(Class<?> layer) {
    return layer.getSimpleName();
  }

  /**
   * The layer class a saved model's {@code type} stands for; fails naming the type and the way out.
   */
  Class<? extends Module> resolve(String type) {
    Class<? extends Module> own = given.get(type);
    if (own != null) {
      return own;
    }
    if (!NAME.matcher(type).matches()) {
      throw new IllegalArgumentException(
          "type '" + type + "' is not a layer name (a simple class name such as Dense)");
    }
    Class<?> found;
    try {
      found =
          Class.forName(BUILT_IN_PACKAGE + "." + type, false, LayerTypes.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException(
          "unknown layer type '"
              + type
              + "': no built-in layer has that name"
              + (given.isEmpty()
                  ? ""
                  : " and none of the classes given " + given.keySet() + " does")
              + "; for a layer class of your own, pass it: Models.load(dir, "
              + type
              + ".class)");
    }
    if (!Module.class.isAssignableFrom(found)) {
      throw new IllegalArgumentException(
          "type '" + type + "' is not a layer: " + found.getName() + " is not a Module");
    }
    Class<? extends Module> layer = found.asSubclass(Module.class);
    configClass(layer);
    return layer;
  }

  /**
   * The config record of a saveable layer class: the declared return type of its {@code config()},
   * which {@link Saveable}'s type parameter makes that record.
   */
  static Class<? extends Record> configClass(Class<? extends Module> layer) {
    if (!Saveable.class.isAssignableFrom(layer)) {
      throw new IllegalArgumentException(
          layer.getName()
              + " has no saved form: it does not declare its config "
              + "(implement Saveable<YourConfig> with a record YourConfig implements LayerConfig)");
    }
    if (Modifier.isAbstract(layer.getModifiers())) {
      throw new IllegalArgumentException(
          layer.getName() + " is abstract, not a layer a saved model can hold");
    }
    Method config;
    try {
      // Of several config() methods (the bridge returns Record), getMethod reflects the most
      // specific.
      config = layer.getMethod("config");
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(
          layer.getName() + " implements Saveable without a public config()", e);
    }
    Class<?> record = config.getReturnType();
    if (!record.isRecord() || !LayerConfig.class.isAssignableFrom(record)) {
      throw new IllegalArgumentException(
          layer.getName()
              + ".config() is declared to return "
              + record.getName()
              + ", not a record implementing LayerConfig");
    }
    return record.asSubclass(Record.class);
  }
}
