package dev.quiver.runtime.format;

import java.util.Arrays;
import java.util.function.LongToDoubleFunction;

/**
 * The part of a tensor that is printed: per axis the indices shown (all, or the edges around a gap
 * when the tensor is summarized), the values at those positions in row-major order, and the number
 * format chosen from exactly those values. Text and HTML are both laid out from it.
 *
 * @param shape the tensor's shape
 * @param windows per axis, the indices shown in order; {@link #GAP} marks the ellipsis
 * @param values the shown elements, row-major over the windows
 * @param summarized whether any axis has a gap
 * @param format how each value is written
 */
record ShownElements(
    long[] shape, long[][] windows, double[] values, boolean summarized, ElementFormat format) {

  static final long GAP = -1;

  static ShownElements of(TensorElements elements, TensorFormatOptions options) {
    var shape = elements.shape();
    long size = elements.size();
    boolean summarize = size > options.threshold();
    var windows = new long[shape.length][];
    boolean gap = false;
    for (int axis = 0; axis < shape.length; axis++) {
      windows[axis] = window(shape[axis], summarize, options.edgeItems());
      gap |= windows[axis].length != shape[axis];
    }
    var values = size == 0 ? new double[0] : gather(elements, shape, windows);
    var format = ElementFormat.choose(values, elements.integral(), options);
    return new ShownElements(shape, windows, values, gap, format);
  }

  int rank() {
    return shape.length;
  }

  boolean isEmpty() {
    return values.length == 0;
  }

  private static long[] window(long size, boolean summarize, int edge) {
    if (!summarize || size <= 2L * edge) {
      if (size > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException(
            "TensorFormat: an axis of "
                + size
                + " elements cannot be shown whole; lower the threshold");
      }
      var all = new long[(int) size];
      Arrays.setAll(all, i -> i);
      return all;
    }
    var w = new long[2 * edge + 1];
    for (int i = 0; i < edge; i++) {
      w[i] = i;
      w[edge + 1 + i] = size - edge + i;
    }
    w[edge] = GAP;
    return w;
  }

  private static double[] gather(TensorElements elements, long[] shape, long[][] windows) {
    long count = 1;
    for (var w : windows) {
      count *= Arrays.stream(w).filter(i -> i != GAP).count();
    }
    if (count > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "TensorFormat: "
              + count
              + " elements to show for shape "
              + Arrays.toString(shape)
              + "; lower the threshold or edgeItems");
    }
    var strides = new long[shape.length];
    long stride = 1;
    for (int axis = shape.length - 1; axis >= 0; axis--) {
      strides[axis] = stride;
      stride *= shape[axis];
    }
    var out = new double[(int) count];
    var at = elements.at();
    var cursor = new int[1];
    collect(0, 0, windows, strides, at, out, cursor);
    return out;
  }

  private static void collect(
      int axis,
      long offset,
      long[][] windows,
      long[] strides,
      LongToDoubleFunction at,
      double[] out,
      int[] cursor) {
    if (axis == windows.length) {
      out[cursor[0]++] = at.applyAsDouble(offset);
      return;
    }
    for (long i : windows[axis]) {
      if (i != GAP) {
        collect(axis + 1, offset + i * strides[axis], windows, strides, at, out, cursor);
      }
    }
  }
}
