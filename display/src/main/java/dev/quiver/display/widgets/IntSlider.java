package dev.quiver.display.widgets;

/** A slider over whole numbers from {@code min} to {@code max} (ipywidgets' IntSlider). */
public final class IntSlider extends Slider<Integer, IntSlider> {

  private final int min, max;

  public IntSlider(String description, int min, int max, int value) {
    if (min > max || value < min || value > max) {
      throw badRange("IntSlider", description, "min <= value <= max", min, value, max);
    }
    super("IntSlider", description, min, max, value, 1, "d");
    this.min = min;
    this.max = max;
  }

  @Override
  IntSlider self() {
    return this;
  }

  /** The step between values (1 by default). */
  public IntSlider step(int step) {
    if (step <= 0) {
      throw new IllegalArgumentException("IntSlider.step: must be positive, got " + step);
    }
    set("step", step);
    return this;
  }

  @Override
  public Integer value() {
    return ((Number) get("value")).intValue();
  }

  @Override
  public IntSlider value(Integer value) {
    if (value == null || value < min || value > max) {
      throw outside(value, min, max);
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
