package dev.quiver.display.widgets;

import java.util.function.Consumer;

/** A widget with a value the user changes (a slider, a dropdown) and a description beside it. */
public abstract class ValueWidget<T> extends Widget {

  protected ValueWidget(String modelName, String viewName, String description) {
    super(modelName, viewName);
    set("description", description == null ? "" : description);
    set("disabled", false);
  }

  /** The value now (the user's last move, or the last one set). */
  public abstract T value();

  /** Sets the value; the front end's control moves, and the change listeners run. */
  public abstract ValueWidget<T> value(T value);

  public String description() {
    return String.valueOf(get("description"));
  }

  /** Calls {@code listener} with the new value after each change (see {@link Widget} for where). */
  public ValueWidget<T> onChange(Consumer<T> listener) {
    java.util.Objects.requireNonNull(listener, "onChange: listener is null");
    observe("value", c -> listener.accept(value()));
    return this;
  }

  /** Greys the control out (true) or lets the user change it again. */
  public ValueWidget<T> disabled(boolean disabled) {
    set("disabled", disabled);
    return this;
  }
}
