package dev.quiver.display;

/**
 * Where displayed bundles go: a host (the Jupyter kernel, a test) implements it and installs it
 * with {@link Display#setSink(DisplaySink)}. The default is a {@link TextSink}.
 *
 * <p>Methods are called from any thread, possibly at once: a training loop may show progress from a
 * worker while the cell's thread shows something else. {@link Display} guarantees only that calls
 * for one display id arrive in order, with {@code display} before its updates.
 *
 * <pre>{@code
 * Display.setSink(new DisplaySink() {
 *     public void display(MimeBundle b, String id) { publish("display_data", b, id); }
 *     public void update(MimeBundle b, String id)  { publish("update_display_data", b, id); }
 *     public void clear(boolean wait)              { publishClear(wait); }
 * });
 * }</pre>
 */
public interface DisplaySink {

  /**
   * Shows a new output.
   *
   * @param displayIdOrNull an id later {@link #update} calls refer to, or null when none will
   */
  void display(MimeBundle bundle, String displayIdOrNull);

  /** Replaces, in place, the output(s) first shown with {@code displayId}. */
  void update(MimeBundle bundle, String displayId);

  /**
   * Clears the current output.
   *
   * @param wait true: clear only when the next output arrives, so an animation does not flicker
   */
  void clear(boolean wait);
}
