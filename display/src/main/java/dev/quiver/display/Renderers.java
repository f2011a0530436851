package dev.quiver.display;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Turns any object into a {@link MimeBundle}.
 *
 * <p>Order of lookup: {@code null}; a {@link MimeBundle} (shown as is); a {@link Displayable} (its
 * own bundle); a renderer registered for the object's class, its nearest superclass, or one of its
 * interfaces; arrays as {@link Arrays#deepToString} text; everything else as {@code
 * String.valueOf}. Registration exists for classes Quiver cannot change, such as a chart library's
 * types:
 *
 * <pre>{@code
 * Renderers.register(XYChart.class, chart -> MimeBundle.png(toPng(chart), chart.getTitle()));
 * Display.show(chart);   // now a picture
 * }</pre>
 *
 * <p>Thread-safe: registration and rendering may happen on any thread.
 */
public final class Renderers {

  private static final Map<Class<?>, Function<Object, MimeBundle>> REGISTERED =
      new ConcurrentHashMap<>();

  private Renderers() {}

  /**
   * Renders {@code type} and its subtypes with {@code renderer}, replacing an earlier registration
   * for the same class. A {@link Displayable}'s own bundle still wins, because an object's author
   * knows it best.
   */
  public static <T> void register(Class<T> type, Function<? super T, MimeBundle> renderer) {
    Objects.requireNonNull(type, "Renderers.register: type is null");
    Objects.requireNonNull(
        renderer, () -> "Renderers.register: renderer for " + type.getName() + " is null");
    REGISTERED.put(type, value -> renderer.apply(type.cast(value)));
  }

  /** Removes the renderer registered for exactly {@code type}; true when there was one. */
  public static boolean unregister(Class<?> type) {
    return REGISTERED.remove(type) != null;
  }

  /**
   * The bundle for {@code value}; never null.
   *
   * @throws IllegalStateException when a {@link Displayable} or a registered renderer returns null
   */
  public static MimeBundle render(Object value) {
    return switch (value) {
      case null -> MimeBundle.text("null");
      case MimeBundle bundle -> bundle;
      case Displayable d -> checked(d.toMimeBundle(), value, "toMimeBundle()");
      default -> {
        var renderer = find(value.getClass());
        if (renderer != null) {
          yield checked(renderer.apply(value), value, "the renderer registered for it");
        }
        yield MimeBundle.text(plainText(value));
      }
    };
  }

  /**
   * Whether {@link #render} does more for {@code value} than plain text: a {@link MimeBundle}, a
   * {@link Displayable}, or a registered renderer. Without one, the bundle is just {@link
   * #plainText}, which a caller can then make without rendering (the kernel's agent sends it along
   * with a cell's value instead of waiting to be asked for it).
   */
  public static boolean hasRichRendering(Object value) {
    return value instanceof MimeBundle
        || value instanceof Displayable
        || value != null && find(value.getClass()) != null;
  }

  /**
   * The text/plain form of a value without a renderer: arrays read like lists, others use toString.
   */
  public static String plainText(Object value) {
    return switch (value) {
      case Object[] a -> Arrays.deepToString(a);
      case int[] a -> Arrays.toString(a);
      case long[] a -> Arrays.toString(a);
      case double[] a -> Arrays.toString(a);
      case float[] a -> Arrays.toString(a);
      case short[] a -> Arrays.toString(a);
      case byte[] a -> Arrays.toString(a);
      case char[] a -> Arrays.toString(a);
      case boolean[] a -> Arrays.toString(a);
      default -> String.valueOf(value);
    };
  }

  private static MimeBundle checked(MimeBundle bundle, Object value, String source) {
    if (bundle == null) {
      throw new IllegalStateException(
          "Renderers: " + source + " returned null for a " + value.getClass().getName());
    }
    return bundle;
  }

  // Nearest class first (the exact class, then superclasses), then interfaces breadth first,
  // so a renderer for a concrete type beats one for an interface it implements.
  private static Function<Object, MimeBundle> find(Class<?> type) {
    if (REGISTERED.isEmpty()) {
      return null;
    }
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      var r = REGISTERED.get(c);
      if (r != null) {
        return r;
      }
    }
    var queue = new ArrayDeque<Class<?>>();
    var seen = new HashSet<Class<?>>();
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      queue.addAll(Arrays.asList(c.getInterfaces()));
    }
    while (!queue.isEmpty()) {
      var i = queue.poll();
      if (!seen.add(i)) {
        continue;
      }
      var r = REGISTERED.get(i);
      if (r != null) {
        return r;
      }
      queue.addAll(Arrays.asList(i.getInterfaces()));
    }
    return null;
  }
}
