package dev.quiver.runtime.format;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.LongToDoubleFunction;

/**
 * What the formatter needs from a tensor, and nothing more, so it does not depend on the tensor
 * class: the shape, the element at each row-major logical index, and the element type.
 *
 * <p>Integral elements arrive as doubles, exact up to 2^53; beyond that the text shows the nearest
 * double. Like any record with an array component, equality is by array identity; the record is a
 * carrier, not a value to compare.
 *
 * <pre>{@code
 * new TensorElements(new long[] {3}, i -> ints[(int) i], true, "int32")
 * }</pre>
 *
 * @param shape sizes per axis, outermost first; empty for a scalar (copied in and out)
 * @param at the element at a row-major index in {@code [0, size())}; called only for the elements
 *     shown (a summarized tensor reads a few)
 * @param integral true for integer dtypes: printed as integers, never in scientific notation
 * @param dtype the dtype's name for suffix and caption ({@code "float32"}), or null if unknown
 */
public record TensorElements(
    long[] shape, LongToDoubleFunction at, boolean integral, String dtype) {

  public TensorElements {
    Objects.requireNonNull(shape, "TensorElements: shape is null");
    Objects.requireNonNull(at, "TensorElements: element function is null");
    shape = shape.clone();
    long size = 1;
    for (long n : shape) {
      if (n < 0) {
        throw new IllegalArgumentException(
            "TensorElements: shape " + Arrays.toString(shape) + " has a negative size");
      }
      try {
        size = Math.multiplyExact(size, n);
      } catch (ArithmeticException e) {
        throw new IllegalArgumentException(
            "TensorElements: shape " + Arrays.toString(shape) + " has more than 2^63 elements");
      }
    }
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  /** The number of elements: the product of the sizes, 1 for a scalar. */
  public long size() {
    long size = 1;
    for (long n : shape) {
      size *= n;
    }
    return size;
  }

  /** {@code [2, 3]}: the shape as Quiver writes it in messages and captions. */
  public String shapeText() {
    return Arrays.toString(shape);
  }
}
