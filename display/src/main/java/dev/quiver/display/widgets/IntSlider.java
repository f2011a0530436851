package dev.quiver.display.widgets;

/** A slider over whole numbers from {@code min} to {@code max} (ipywidgets' IntSlider). */
public final class IntSlider extends ValueWidget<Integer> {

  private final int min, max;

  public IntSlider(String description, int min, int max, int value) {
    super("IntSliderModel", "IntSliderView", description);
    if (min > max || value < min || value > max) {
      throw new IllegalArgumentException(
          "IntSlider \""
              + description
              + "\": needs min <= value <= max, got min "
              + min
              + ", value "
              + value
              + ", max "
              + max);
    }
    this.min = min;
    this.max = max;
    set("min", min);
    set("max", max);
    set("step", 1);
    set("value", value);
    set("orientation", "horizontal");
    set("readout", true);
    set("readout_format", "d");
    set("continuous_update", false);
    set("_range", false);
  }

  /** The step between values (1 by default). */
  public IntSlider step(int step) {
    if (step <= 0) {
      throw new IllegalArgumentException("IntSlider.step: must be positive, got " + step);
    }
    set("step", step);
    return this;
  }

  /** true: the value changes while the user drags; false (the default): when the user lets go. */
  public IntSlider continuous(boolean continuous) {
    set("continuous_update", continuous);
    return this;
  }

  @Override
  public Integer value() {
    return ((Number) get("value")).intValue();
  }

  @Override
  public IntSlider value(Integer value) {
    if (value == null || value < min || value > max) {
      throw new IllegalArgumentException(
          "IntSlider \""
              + description()
              + "\": value "
              + value
              + " is outside "
              + min
              + ".."
              + max);
    }
    set("value", value);
    return this;
  }

  @Override
  protected Object fromFrontEnd(String name, Object value) {
    if (name.equals("value")) {
      return value instanceof Number n ? Math.clamp(n.longValue(), min, max) : null;
    }
    return value;
  }

  @Override
  public String text() {
    return "IntSlider(" + description() + " = " + value() + ", " + min + ".." + max + ")";
  }
}
