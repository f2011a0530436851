package dev.quiver.display.widgets;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A button (ipywidgets' Button); {@link #onClick} runs code when the user clicks it. */
public final class Button extends Widget {

  private final List<Consumer<Button>> clicks = new CopyOnWriteArrayList<>();

  public Button(String description) {
    this(description, false);
  }

  private Button(String description, boolean stopper) {
    super("ButtonModel", "ButtonView");
    this.stopper = stopper;
    set("description", description == null ? "" : description);
    set("tooltip", "");
    set("disabled", false);
    set("icon", "");
    set("button_style", stopper ? "danger" : "");
  }

  /**
   * A button that stops the cell that shows it, as the notebook's interrupt does: a running {@code
   * fit} ends at its next batch with its weights kept, and the cell goes on to its next line. A
   * click once that cell has ended does nothing but say so.
   */
  public static Button stop(String description) {
    return new Button(description, true);
  }

  private final boolean stopper;

  /** Runs {@code action} at each click (see {@link Widget} for the thread and the output). */
  public Button onClick(Consumer<Button> action) {
    java.util.Objects.requireNonNull(action, "onClick: action is null");
    clicks.add(action);
    return this;
  }

  /** Runs {@code action} at each click. */
  public Button onClick(Runnable action) {
    java.util.Objects.requireNonNull(action, "onClick: action is null");
    return onClick(b -> action.run());
  }

  public String description() {
    return String.valueOf(get("description"));
  }

  /** Changes the label. */
  public Button description(String description) {
    set("description", description == null ? "" : description);
    return this;
  }

  /** Greys the button out (true) or lets the user click it again. */
  public Button disabled(boolean disabled) {
    set("disabled", disabled);
    return this;
  }

  /**
   * Clicks the button from code: the click actions run on the calling thread (a stop button stops
   * only when the front end clicks it).
   */
  public void click() {
    if (stopper) {
      var host = Widgets.host();
      if (host == null || !host.stopItsCell()) {
        System.out.println(description() + ": the cell that showed it is not running");
      }
    }
    for (var c : clicks) {
      c.accept(this);
    }
  }

  @Override
  protected void custom(Map<String, Object> content) {
    if ("click".equals(content.get("event"))) {
      click();
    }
  }

  @Override
  public String text() {
    return "Button(" + description() + ")";
  }
}
