package dev.quiver.dsl;

import dev.quiver.runtime.Tensor;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The fields of a {@link Module} class that can hold parameters or sub-modules, in declaration
 * order from the top superclass down, found by reflection once per class: a training step asks for
 * them several times (the parameters, the device), and {@code getDeclaredFields} copies every
 * {@code Field} on each call.
 */
final class ModuleFields {
  private static final ClassValue<List<Field>> FIELDS =
      new ClassValue<>() {
        @Override
        protected List<Field> computeValue(Class<?> type) {
          return List.copyOf(scan(type));
        }
      };

  private ModuleFields() {}

  static List<Field> of(Class<? extends Module> type) {
    return FIELDS.get(type);
  }

  private static List<Field> scan(Class<?> type) {
    var out = new ArrayList<Field>();
    var chain = new ArrayList<Class<?>>();
    for (Class<?> c = type; c != null && c != Module.class; c = c.getSuperclass()) {
      chain.addFirst(c);
    }
    for (Class<?> c : chain) {
      for (Field f : c.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers()) || f.isSynthetic()) {
          continue;
        }
        Class<?> t = f.getType();
        if (Param.class.isAssignableFrom(t)
            || Tensor.class.isAssignableFrom(t)
            || Module.class.isAssignableFrom(t)
            || Collection.class.isAssignableFrom(t)
            || Map.class.isAssignableFrom(t)
            || Module[].class.isAssignableFrom(t)
            || t == Object.class) {
          f.setAccessible(true);
          out.add(f);
        }
      }
    }
    return out;
  }
}
