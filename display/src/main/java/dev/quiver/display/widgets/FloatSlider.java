package dev.quiver.display.widgets;

/** A slider over numbers from {@code min} to {@code max} (ipywidgets' FloatSlider). */
public final class FloatSlider extends Slider<Double, FloatSlider> {

  private final double min, max;

  /** A slider of 100 steps from {@code min} to {@code max}. */
  public FloatSlider(String description, double min, double max, double value) {
    if (!(min < max) || !(value >= min && value <= max)) {
      throw badRange(
          "FloatSlider", description, "min < max and min <= value <= max", min, value, max);
    }
    super("FloatSlider", description, min, max, value, (max - min) / 100, ".3g");
    this.min = min;
    this.max = max;
  }

  @Override
  FloatSlider self() {
    return this;
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

  @Override
  public Double value() {
    return ((Number) get("value")).doubleValue();
  }

  @Override
  public FloatSlider value(Double value) {
    if (value == null || !(value >= min && value <= max)) {
      throw outside(value, min, max);
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
