package dev.quiver.display.widgets;

/** Widgets one above the other (ipywidgets' VBox). */
public final class VBox extends Box {
  public VBox(Widget... children) {
    super(false, children);
  }
}
