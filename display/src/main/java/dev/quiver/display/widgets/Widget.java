package dev.quiver.display.widgets;

import dev.quiver.display.Displayable;
import dev.quiver.display.MimeBundle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A Jupyter widget: a model whose state lives both here and in the front end, kept in step over a
 * comm (the ipywidgets 6 protocol that the classic Notebook's {@code jupyter-js-widgets} 2.1
 * speaks). Shown with {@code show(w)} / {@code display(w)} or as a cell's value.
 *
 * <p>Callbacks ({@link #observe}, {@code onChange}, {@code onClick}) run in the cell JVM on one
 * thread, {@value Widgets#THREAD}, one at a time in the order the front end sent its messages, also
 * while a cell runs. What they print or show goes to the cell whose widget the user touched; an
 * {@link Output} captures it instead.
 */
public abstract class Widget implements Displayable {

  /**
   * The front-end module and the version range of {@code jupyter-js-widgets} that ipywidgets 6.0
   * asks for.
   */
  static final String MODULE = "jupyter-js-widgets";

  static final String MODULE_VERSION = "~2.1.4";

  /** A change of one property: by the front end (the user) or by code. */
  public record Change(Widget widget, String name, Object oldValue, Object newValue) {}

  private final String id = UUID.randomUUID().toString().replace("-", "");
  private final Map<String, Object> state = new LinkedHashMap<>(); // guarded by this
  private final List<Observer> observers = new CopyOnWriteArrayList<>();
  private volatile boolean open;

  private record Observer(String name, Consumer<Change> listener) {}

  protected Widget(String modelName, String viewName) {
    state.put("_model_module", MODULE);
    state.put("_model_module_version", MODULE_VERSION);
    state.put("_model_name", modelName);
    state.put("_view_module", MODULE);
    state.put("_view_module_version", MODULE_VERSION);
    state.put("_view_name", viewName);
    state.put("_dom_classes", List.of());
    state.put("msg_throttle", 1);
  }

  /** The comm id, which the front end calls the model id. */
  public String modelId() {
    return id;
  }

  /** The value of state property {@code name}. */
  protected synchronized Object get(String name) {
    return state.get(name);
  }

  /** Sets a state property: sent to the front end when shown, observers told when it changed. */
  protected void set(String name, Object value) {
    Object old;
    synchronized (this) {
      old = state.put(name, value);
    }
    if (open) {
      var update = new LinkedHashMap<String, Object>();
      update.put("method", "update");
      update.put("state", Map.of(name, json(value)));
      update.put("buffers", List.of());
      host().ifPresent(h -> h.send(id, update));
    }
    changed(name, old, value);
  }

  private void changed(String name, Object old, Object value) {
    if (java.util.Objects.equals(old, value)) {
      return;
    }
    var change = new Change(this, name, old, value);
    for (var o : observers) {
      if (o.name.equals(name) || o.name.equals("*")) {
        o.listener.accept(change);
      }
    }
  }

  /**
   * Calls {@code listener} after each change of property {@code name} ({@code "*"}: of any), by the
   * user or by code.
   */
  public Widget observe(String name, Consumer<Change> listener) {
    java.util.Objects.requireNonNull(listener, "observe: listener is null");
    observers.add(new Observer(name, listener));
    return this;
  }

  /**
   * Converts a value the front end sent for {@code name} to this widget's type; null: ignore it.
   */
  protected Object fromFrontEnd(String name, Object value) {
    return value;
  }

  /** A custom message from the front end (a button's click). */
  protected void custom(Map<String, Object> content) {}

  /** A message from the front end on this widget's comm (on the widgets thread). */
  @SuppressWarnings("unchecked")
  void receive(Map<String, Object> data) {
    switch (String.valueOf(data.get("method"))) {
      case "backbone" -> {
        if (data.get("sync_data") instanceof Map<?, ?> sync) {
          for (var e : ((Map<String, Object>) sync).entrySet()) {
            var value = fromFrontEnd(e.getKey(), e.getValue());
            if (value == null) {
              continue;
            }
            Object old;
            synchronized (this) {
              old = state.put(e.getKey(), value); // the front end has it: no echo
            }
            changed(e.getKey(), old, value);
          }
        }
      }
      case "request_state" -> sendState();
      case "custom" -> {
        if (data.get("content") instanceof Map<?, ?> content) {
          custom((Map<String, Object>) content);
        }
      }
      default -> {} // nothing else comes from ipywidgets 6's front end
    }
  }

  private void sendState() {
    var update = new LinkedHashMap<String, Object>();
    update.put("method", "update");
    update.put("state", jsonState());
    update.put("buffers", List.of());
    host().ifPresent(h -> h.send(id, update));
  }

  /** The widgets this one contains (a box's children), opened before it. */
  protected List<Widget> children() {
    return List.of();
  }

  /** Opens this widget's comm (and its children's) if it is not open yet; false when not live. */
  boolean open() {
    var host = host();
    if (host.isEmpty()) {
      return false;
    }
    for (var child : children()) {
      child.open();
    }
    synchronized (this) {
      if (open) {
        return true;
      }
      Widgets.register(this);
      // ipywidgets 6's front end reads the state from the data itself; later clients (nbclient,
      // which executes notebooks, and ipywidgets 7's front ends) read it from data.state.
      var state = jsonState();
      var data = new LinkedHashMap<String, Object>(state);
      data.put("state", state);
      data.put("buffer_paths", List.of());
      host.get().open(id, data);
      open = true;
    }
    return true;
  }

  /** Closes the comm: the front end removes its views. */
  public void close() {
    if (open) {
      open = false;
      Widgets.unregister(this);
      host().ifPresent(h -> h.close(id));
    }
  }

  private synchronized Map<String, Object> jsonState() {
    var json = new LinkedHashMap<String, Object>();
    state.forEach((k, v) -> json.put(k, json(v)));
    return json;
  }

  private static Object json(Object value) {
    if (value instanceof Widget w) {
      return "IPY_MODEL_" + w.id;
    }
    if (value instanceof List<?> list) {
      var out = new ArrayList<>(list.size());
      list.forEach(v -> out.add(json(v)));
      return out;
    }
    return value;
  }

  private static java.util.Optional<WidgetHost> host() {
    return java.util.Optional.ofNullable(Widgets.host());
  }

  /**
   * What a notebook shows where the widget cannot be drawn (saved, or without the widgets
   * extension).
   */
  public abstract String text();

  /**
   * Opens the comm and asks the front end to draw a view in the cell running now; the bundle is the
   * widget's text and its model id ({@code application/vnd.jupyter.widget-view+json}).
   */
  @Override
  public MimeBundle toMimeBundle() {
    if (open()) {
      host().ifPresent(h -> h.send(id, Map.of("method", "display")));
    }
    return MimeBundle.text(text())
        .with(
            Widgets.VIEW_MIME,
            "{\"model_id\": \"" + id + "\", \"version_major\": 2, \"version_minor\": 0}");
  }

  @Override
  public String toString() {
    return text();
  }
}
