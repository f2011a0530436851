package dev.quiver.dsl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * One layer of {@code model.json}: {@code {"type": "Dense", "name": "dense", "units": 10, ...}},
 * the layer's class name and name followed by the components of its {@link LayerConfig} record.
 * Nothing here knows a layer type: the record's components say what to write and read, so a new
 * layer, built-in or the user's own, needs no change here.
 */
final class LayerJson {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Set<String> TAKEN = Set.of("type", "name");

  private LayerJson() {}

  // ---------------------------------------------------------------- writing

  static ObjectNode write(Module layer) {
    if (!(layer instanceof Saveable<?> saveable)) {
      throw new IllegalArgumentException(
          "Models.save: layer "
              + layer.describe()
              + " has no saved form: it does not "
              + "declare its config (Saveable); save its weights with Models.saveWeights and rebuild the model in code");
    }
    String type = LayerTypes.typeName(layer.getClass());
    if (type.isEmpty()) {
      throw new IllegalArgumentException(
          "Models.save: layer "
              + layer.describe()
              + " is of an anonymous class, which "
              + "a saved model cannot name; declare it as a named class");
    }
    Record config = saveable.config();
    if (config == null) {
      throw new IllegalStateException(
          "Models.save: " + layer.describe() + ".config() returned null");
    }
    ObjectNode node = NODES.objectNode();
    node.put("type", type).put("name", layer.name());
    for (RecordComponent c : config.getClass().getRecordComponents()) {
      if (TAKEN.contains(c.getName())) {
        throw new IllegalArgumentException(
            "Models.save: "
                + config.getClass().getName()
                + " has a component named '"
                + c.getName()
                + "', a name the file keeps for itself; rename it");
      }
      Object value = read(config, c);
      if (value != null) {
        node.set(c.getName(), toJson(value, c, layer));
      }
    }
    return node;
  }

  private static JsonNode toJson(Object value, RecordComponent c, Module owner) {
    return switch (value) {
      case Boolean b -> NODES.booleanNode(b);
      case Integer i -> NODES.numberNode(i);
      case Long l -> NODES.numberNode(l);
      case Float f -> NODES.numberNode(f);
      case Double d -> NODES.numberNode(d);
      case String s -> NODES.textNode(s);
      case Enum<?> e -> NODES.textNode(e.name());
      case int[] a -> array(Arrays.stream(a).mapToObj(NODES::numberNode).toList());
      case long[] a -> array(Arrays.stream(a).mapToObj(NODES::numberNode).toList());
      case double[] a -> array(Arrays.stream(a).mapToObj(NODES::numberNode).toList());
      case Module m -> write(m);
      default ->
          throw new IllegalArgumentException(
              "Models.save: "
                  + owner.describe()
                  + ": config component '"
                  + c.getName()
                  + "' is a "
                  + value.getClass().getName()
                  + ", which a saved model cannot hold (numbers, "
                  + "booleans, strings, enums, number arrays and layers can)");
    };
  }

  private static ArrayNode array(List<? extends JsonNode> items) {
    ArrayNode a = NODES.arrayNode();
    items.forEach(a::add);
    return a;
  }

  private static Object read(Record config, RecordComponent c) {
    try {
      var accessor = c.getAccessor();
      accessor.setAccessible(true); // a record declared in a notebook cell is not public
      return accessor.invoke(config);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException(
          "Models.save: cannot read " + config.getClass().getName() + "." + c.getName(), e);
    }
  }

  // ---------------------------------------------------------------- reading

  /** Rebuilds the layer {@code node} describes; {@code where} names it in errors ("layer 2"). */
  static Module read(JsonNode node, String where, LayerTypes types) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(where + " is not a JSON object: " + brief(node));
    }
    JsonNode typeNode = node.get("type");
    if (typeNode == null || !typeNode.isTextual()) {
      throw new IllegalArgumentException(
          where + " has no \"type\" naming its layer class (got " + brief(typeNode) + ")");
    }
    JsonNode nameNode = node.get("name");
    if (nameNode != null && !nameNode.isTextual()) {
      throw new IllegalArgumentException(
          where + ": \"name\" must be a string, got " + brief(nameNode));
    }
    String type = typeNode.asText();
    String at = where + " (" + (nameNode != null ? nameNode.asText() + ", " : "") + type + ")";
    Class<? extends Module> layerClass;
    try {
      layerClass = types.resolve(type);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
    Class<? extends Record> configClass = LayerTypes.configClass(layerClass);
    RecordComponent[] components = configClass.getRecordComponents();
    checkFieldNames(node, components, at);
    Object[] args = new Object[components.length];
    Class<?>[] argTypes = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      argTypes[i] = components[i].getType();
      args[i] = fromJson(node.get(components[i].getName()), components[i], at, types);
    }
    LayerConfig config = (LayerConfig) construct(configClass, argTypes, args, at);
    Module layer;
    try {
      layer = config.create();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new IllegalArgumentException(at + ": " + e.getMessage(), e);
    }
    if (!layerClass.isInstance(layer)) {
      throw new IllegalStateException(
          at
              + ": "
              + configClass.getName()
              + ".create() made a "
              + (layer == null ? "null" : layer.getClass().getName())
              + ", not a "
              + layerClass.getName());
    }
    return nameNode != null ? layer.named(nameNode.asText()) : layer;
  }

  private static void checkFieldNames(JsonNode node, RecordComponent[] components, String at) {
    var known = new ArrayList<String>(List.of("type", "name"));
    for (RecordComponent c : components) {
      known.add(c.getName());
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!known.contains(field)) {
        throw new IllegalArgumentException(
            at
                + ": unknown field \""
                + field
                + "\"; this layer's fields are "
                + known.subList(2, known.size()));
      }
    }
  }

  private static Object fromJson(JsonNode v, RecordComponent c, String at, LayerTypes types) {
    Class<?> t = c.getType();
    String field = at + ": field \"" + c.getName() + "\"";
    if (v == null || v.isNull()) {
      if (t.isPrimitive()) {
        throw new IllegalArgumentException(field + " is missing");
      }
      return null;
    }
    if (t == boolean.class || t == Boolean.class) {
      if (!v.isBoolean()) {
        throw new IllegalArgumentException(field + " must be true or false, got " + brief(v));
      }
      return v.booleanValue();
    }
    if (t == int.class || t == Integer.class) {
      if (!v.isIntegralNumber() || !v.canConvertToInt()) {
        throw new IllegalArgumentException(
            field + " must be a whole number (int), got " + brief(v));
      }
      return v.intValue();
    }
    if (t == long.class || t == Long.class) {
      if (!v.isIntegralNumber() || !v.canConvertToLong()) {
        throw new IllegalArgumentException(field + " must be a whole number, got " + brief(v));
      }
      return v.longValue();
    }
    if (t == double.class || t == Double.class || t == float.class || t == Float.class) {
      if (!v.isNumber()) {
        throw new IllegalArgumentException(field + " must be a number, got " + brief(v));
      }
      return t == float.class || t == Float.class
          ? (Object) v.floatValue()
          : (Object) v.doubleValue();
    }
    if (t == String.class) {
      if (!v.isTextual()) {
        throw new IllegalArgumentException(field + " must be a string, got " + brief(v));
      }
      return v.asText();
    }
    if (t.isEnum()) {
      for (Object constant : t.getEnumConstants()) {
        if (v.isTextual() && ((Enum<?>) constant).name().equals(v.asText())) {
          return constant;
        }
      }
      throw new IllegalArgumentException(
          field + " must be one of " + Arrays.toString(t.getEnumConstants()) + ", got " + brief(v));
    }
    if (t == int[].class || t == long[].class || t == double[].class) {
      return numbers(v, t, field);
    }
    if (Module.class.isAssignableFrom(t)) {
      Module inner = read(v, at + "'s " + c.getName(), types);
      if (!t.isInstance(inner)) {
        throw new IllegalArgumentException(
            field + " must be a " + t.getSimpleName() + ", got " + inner.describe());
      }
      return inner;
    }
    throw new IllegalStateException(
        field
            + ": its config component type "
            + t.getName()
            + " cannot be read from a saved model");
  }

  private static Object numbers(JsonNode v, Class<?> t, String field) {
    if (!v.isArray()) {
      throw new IllegalArgumentException(field + " must be an array of numbers, got " + brief(v));
    }
    int n = v.size();
    boolean whole = t != double[].class;
    for (JsonNode e : v) {
      if (whole
          ? !(e.isIntegralNumber()
              && (t == int[].class ? e.canConvertToInt() : e.canConvertToLong()))
          : !e.isNumber()) {
        throw new IllegalArgumentException(
            field
                + " must be an array of "
                + (whole ? "whole numbers" : "numbers")
                + ", it holds "
                + brief(e));
      }
    }
    if (t == int[].class) {
      int[] a = new int[n];
      for (int i = 0; i < n; i++) {
        a[i] = v.get(i).intValue();
      }
      return a;
    }
    if (t == long[].class) {
      long[] a = new long[n];
      for (int i = 0; i < n; i++) {
        a[i] = v.get(i).longValue();
      }
      return a;
    }
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = v.get(i).doubleValue();
    }
    return a;
  }

  private static Object construct(
      Class<? extends Record> type, Class<?>[] argTypes, Object[] args, String at) {
    try {
      Constructor<? extends Record> canonical = type.getDeclaredConstructor(argTypes);
      canonical.setAccessible(true); // a record declared in a notebook cell is not public
      return canonical.newInstance(args);
    } catch (InvocationTargetException e) {
      // The record's own checks (a compact constructor) speak for the values.
      Throwable cause = e.getCause();
      throw new IllegalArgumentException(at + ": " + cause.getMessage(), cause);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(at + ": cannot construct " + type.getName() + ": " + e, e);
    }
  }

  /** A JSON value as an error shows it: short, quoted as JSON. */
  private static String brief(JsonNode v) {
    if (v == null) {
      return "nothing";
    }
    String s = v.toString();
    return s.length() > 60 ? s.substring(0, 57) + "..." : s;
  }
}
