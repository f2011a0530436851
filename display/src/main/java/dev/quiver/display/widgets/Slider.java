package dev.quiver.display.widgets;

/**
 * What the two sliders share: the range they keep their value in, ipywidgets' slider state, the
 * error for a value out of range and the {@code continuous} switch. The number type (and so the
 * checks, the step and the readout) is the subclass's.
 *
 * @param <T> the value's type
 * @param <S> the slider's own type, so that {@link #continuous} chains
 */
public abstract sealed class Slider<T extends Number, S extends Slider<T, S>> extends ValueWidget<T>
    permits FloatSlider, IntSlider {

  private final String kind;

  Slider(String kind, String description, T min, T max, T value, T step, String readoutFormat) {
    super(kind + "Model", kind + "View", description);
    this.kind = kind;
    set("min", min);
    set("max", max);
    set("step", step);
    set("value", value);
    set("orientation", "horizontal");
    set("readout", true);
    set("readout_format", readoutFormat);
    set("continuous_update", false);
    set("_range", false);
  }

  /** The slider's own type, for the methods that chain. */
  abstract S self();

  /** true: the value changes while the user drags; false (the default): when the user lets go. */
  public S continuous(boolean continuous) {
    set("continuous_update", continuous);
    return self();
  }

  /** The error for {@code value(v)} with a value outside min..max, naming the slider. */
  IllegalArgumentException outside(Object value, Object min, Object max) {
    return new IllegalArgumentException(
        kind + " \"" + description() + "\": value " + value + " is outside " + min + ".." + max);
  }

  /** The error for a constructor's arguments, naming them. */
  static IllegalArgumentException badRange(
      String kind, String description, String needs, Object min, Object value, Object max) {
    return new IllegalArgumentException(
        kind
            + " \""
            + description
            + "\": needs "
            + needs
            + ", got min "
            + min
            + ", value "
            + value
            + ", max "
            + max);
  }
}
