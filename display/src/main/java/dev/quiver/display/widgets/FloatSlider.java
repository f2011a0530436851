package dev.quiver.display.widgets;

/** A slider over numbers from {@code min} to {@code max} (ipywidgets' FloatSlider). */
public final class FloatSlider extends ValueWidget<Double> {

  private final double min, max;

  /** A slider of 100 steps from {@code min} to {@code max}. */
  public FloatSlider(String description, double min, double max, double value) {
    super("FloatSliderModel", "FloatSliderView", description);
    if (!(min < max) || !(value >= min && value <= max)) {
      throw new IllegalArgumentException(
          "FloatSlider \""
              + description
              + "\": needs min < max and min <= value <= max, got min "
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
    set("step", (max - min) / 100);
    set("value", value);
    set("orientation", "horizontal");
    set("readout", true);
    set("readout_format", ".3g");
    set("continuous_update", false);
    set("_range", false);
  }

  /** The step between values. */
  public FloatSlider step(double step) {
    if (!(step > 0)) {
      throw new IllegalArgumentException("FloatSlider.step: must be positive, got " + step);
    }
    set("step", step);
    return this;
  }

  /** The readout's format, a d3-format specifier (".3g" by default, ".2f", ".1e"). */
  public FloatSlider format(String d3Format) {
    set("readout_format", d3Format);
    return this;
  }

  /** true: the value changes while the user drags; false (the default): when the user lets go. */
  public FloatSlider continuous(boolean continuous) {
    set("continuous_update", continuous);
    return this;
  }

  @Override
  public Double value() {
    return ((Number) get("value")).doubleValue();
  }

  @Override
  public FloatSlider value(Double value) {
    if (value == null || !(value >= min && value <= max)) {
      throw new IllegalArgumentException(
          "FloatSlider \""
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
      return value instanceof Number n && Double.isFinite(n.doubleValue())
          ? Math.clamp(n.doubleValue(), min, max)
          : null;
    }
    return value;
  }

  @Override
  public String text() {
    return "FloatSlider(" + description() + " = " + value() + ", " + min + ".." + max + ")";
  }
}
