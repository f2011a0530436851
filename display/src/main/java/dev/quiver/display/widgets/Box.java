package dev.quiver.display.widgets;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Widgets side by side ({@link HBox}, {@link #horizontal}) or one above the other ({@link VBox},
 * {@link #vertical}).
 */
public class Box extends Widget {

  private final List<Widget> children;
  private final boolean horizontal;

  protected Box(boolean horizontal, Widget... children) {
    super(horizontal ? "HBoxModel" : "VBoxModel", horizontal ? "HBoxView" : "VBoxView");
    for (var c : children) {
      java.util.Objects.requireNonNull(c, (horizontal ? "HBox" : "VBox") + ": a child is null");
    }
    this.children = List.of(children);
    this.horizontal = horizontal;
    set("children", this.children);
    set("box_style", "");
  }

  /** The widgets side by side. */
  public static Box horizontal(Widget... children) {
    return new HBox(children);
  }

  /** The widgets one above the other. */
  public static Box vertical(Widget... children) {
    return new VBox(children);
  }

  @Override
  protected List<Widget> children() {
    return children;
  }

  @Override
  public String text() {
    return children.stream()
        .map(Widget::text)
        .collect(Collectors.joining(horizontal ? "  " : "\n"));
  }
}
