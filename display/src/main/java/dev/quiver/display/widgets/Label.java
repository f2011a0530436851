package dev.quiver.display.widgets;

/** A line of text that code can change (ipywidgets' Label). */
public final class Label extends Widget {

  public Label(String text) {
    super("LabelModel", "LabelView");
    set("value", text == null ? "" : text);
    set("description", "");
    set("placeholder", "");
    set("disabled", false);
  }

  public String value() {
    return String.valueOf(get("value"));
  }

  /** Changes the text the front end shows. */
  public Label value(String text) {
    set("value", text == null ? "" : text);
    return this;
  }

  @Override
  public String text() {
    return value();
  }
}
