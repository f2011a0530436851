package dev.quiver.display.widgets;

/** Widgets side by side (ipywidgets' HBox). */
public final class HBox extends Box {
  public HBox(Widget... children) {
    super(true, children);
  }
}
