package dev.quiver.display.widgets;

import dev.quiver.display.Display;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The widgets of this JVM, by model id, and {@link #interact}. The host that connects them to a
 * notebook is installed by the cell JVM's agent.
 */
public final class Widgets {

  /** The thread callbacks run on (in the cell JVM, started by the agent). */
  public static final String THREAD = "quiver-widgets";

  /** The MIME type of a widget's view in a saved notebook: its model id. */
  public static final String VIEW_MIME = "application/vnd.jupyter.widget-view+json";

  private static volatile WidgetHost host;
  private static final Map<String, Widget> LIVE = new ConcurrentHashMap<>();

  private Widgets() {}

  /** Installs the host (the agent does); null: widgets are not live. */
  public static void setHost(WidgetHost newHost) {
    host = newHost;
  }

  /** The host, or null. */
  public static WidgetHost host() {
    return host;
  }

  static void register(Widget w) {
    LIVE.put(w.modelId(), w);
  }

  static void unregister(Widget w) {
    LIVE.remove(w.modelId());
  }

  /**
   * A message from the front end on comm {@code commId} (its {@code data}); the agent calls it on
   * the {@value #THREAD} thread. False when no live widget has that id.
   */
  public static boolean receive(String commId, Map<String, Object> data) {
    var w = LIVE.get(commId);
    if (w == null) {
      return false;
    }
    w.receive(data);
    return true;
  }

  /** The front end closed comm {@code commId}. */
  public static void closed(String commId) {
    LIVE.remove(commId);
  }

  /**
   * Shows {@code controls} and below them what {@code f} returns, and runs {@code f} again each
   * time a control changes, replacing what it showed (ipywidgets' interact). {@code f} reads the
   * controls' values itself:
   *
   * <pre>{@code
   * var lr = new FloatSlider("lr", 0.01, 0.5, 0.1);
   * interact(() -> Plot.lines("loss", train(lr.value())), lr);
   * }</pre>
   *
   * The first result is an ordinary output of the cell (a saved notebook keeps it); the later ones
   * replace it in place. An exception in {@code f} is shown in its place as text.
   */
  public static void interact(Supplier<?> f, ValueWidget<?>... controls) {
    java.util.Objects.requireNonNull(f, "interact: the function is null");
    if (controls.length == 0) {
      throw new IllegalArgumentException("interact: give at least one control to move");
    }
    var id = Display.newDisplayId();
    Display.show(new VBox(controls));
    Display.show(id, run(f));
    for (var c : controls) {
      c.observe("value", change -> Display.show(id, run(f)));
    }
  }

  private static Object run(Supplier<?> f) {
    try {
      var value = f.get();
      return value == null ? "" : value;
    } catch (RuntimeException e) {
      return "interact: the function failed: " + e;
    }
  }
}
