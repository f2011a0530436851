package dev.quiver.display;

/**
 * An object that knows how to show itself in a notebook.
 *
 * <p>Implement it on types users return from cells; include {@code text/plain} (the bundle requires
 * it) and add HTML, LaTeX or an image where it helps.
 *
 * <pre>{@code
 * record Accuracy(double value) implements Displayable {
 *     public MimeBundle toMimeBundle() {
 *         var pct = String.format("%.1f%%", 100 * value);
 *         return MimeBundle.text("accuracy " + pct).with(MimeBundle.TEXT_HTML, "<b>accuracy</b> " + pct);
 *     }
 * }
 * }</pre>
 */
@FunctionalInterface
public interface Displayable {

  /** This object's representations; never null. */
  MimeBundle toMimeBundle();
}
