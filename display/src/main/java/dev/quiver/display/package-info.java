/**
 * The display contract: how a value becomes rich notebook output, independent of any kernel.
 *
 * <p>A value turns into a {@link dev.quiver.display.MimeBundle} (text/plain always, richer types
 * where they help) through {@link dev.quiver.display.Renderers}; {@link dev.quiver.display.Display}
 * hands bundles to the installed {@link dev.quiver.display.DisplaySink}. Without a kernel the sink
 * is a {@link dev.quiver.display.TextSink} that prints text/plain, so the same code runs in a
 * notebook and in {@code jshell}.
 *
 * <pre>{@code
 * Display.show(new Markdown("# Results"));
 * for (int epoch = 1; epoch <= 10; epoch++) {
 *     Display.show("progress", "epoch " + epoch + "/10");   // updates one output in place
 * }
 * }</pre>
 */
package dev.quiver.display;
