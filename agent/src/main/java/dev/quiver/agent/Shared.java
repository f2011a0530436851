package dev.quiver.agent;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The notebook's shared values, by name, in the cell JVM: the meeting point of Java cells and the
 * cells of other languages ({@link CellLanguage}; Kotlin's, for one). Before such a cell runs, the
 * kernel hands it every Java variable, and the host puts them here (Kotlin sees each one as a
 * property of its declared type, read from this map); after the cell, the host publishes its new
 * top-level values here and the kernel declares them as Java variables. Cells of either language
 * may also use it directly: {@code Shared.put("lr", 0.01)}, {@code Shared.get("lr", Double.class)}.
 */
public final class Shared {

  private static final Map<String, Object> VALUES = new LinkedHashMap<>();
  private static final List<String> PUBLISHED = new ArrayList<>();

  private Shared() {}

  public static synchronized void put(String name, Object value) {
    VALUES.put(name, value);
  }

  public static synchronized Object get(String name) {
    if (!VALUES.containsKey(name)) {
      throw new IllegalArgumentException(
          "no shared value named " + name + "; shared: " + VALUES.keySet());
    }
    return VALUES.get(name);
  }

  public static <T> T get(String name, Class<T> type) {
    var v = get(name);
    if (type.isPrimitive()) {
      @SuppressWarnings("unchecked")
      var t = (T) v;
      return t;
    }
    return type.cast(v);
  }

  public static synchronized boolean contains(String name) {
    return VALUES.containsKey(name);
  }

  public static synchronized Set<String> names() {
    return Set.copyOf(VALUES.keySet());
  }

  /** For a language's host: a value it published, with the Java type the kernel should declare. */
  public static synchronized void publish(String name, String javaType, Object value) {
    VALUES.put(name, value);
    PUBLISHED.add(name + "\t" + javaType);
  }

  /** For the kernel (extension command): "name TAB type" lines published since the last call. */
  public static synchronized String takePublished() {
    var s = String.join("\n", PUBLISHED);
    PUBLISHED.clear();
    return s;
  }
}
