package dev.quiver.display.widgets;

import java.util.List;

/** A choice of one of several labels (ipywidgets' Dropdown); the value is the chosen label. */
public final class Dropdown extends ValueWidget<String> {

  private final List<String> options;

  public Dropdown(String description, List<String> options, String value) {
    super("DropdownModel", "DropdownView", description);
    this.options = List.copyOf(options);
    if (this.options.isEmpty() || !this.options.contains(value)) {
      throw new IllegalArgumentException(
          "Dropdown \"" + description + "\": value \"" + value + "\" is not one of " + options);
    }
    set("_options_labels", this.options);
    set("value", value);
  }

  /** A dropdown that starts at the first option. */
  public Dropdown(String description, List<String> options) {
    this(description, options, options.isEmpty() ? null : options.get(0));
  }

  public List<String> options() {
    return options;
  }

  @Override
  public String value() {
    return (String) get("value");
  }

  @Override
  public Dropdown value(String value) {
    if (!options.contains(value)) {
      throw new IllegalArgumentException(
          "Dropdown \"" + description() + "\": value \"" + value + "\" is not one of " + options);
    }
    set("value", value);
    return this;
  }

  @Override
  protected Object fromFrontEnd(String name, Object value) {
    return name.equals("value") && !options.contains(value) ? null : value;
  }

  @Override
  public String text() {
    return "Dropdown(" + description() + " = " + value() + ", of " + options + ")";
  }
}
