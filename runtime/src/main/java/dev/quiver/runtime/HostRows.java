package dev.quiver.runtime;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Rows of a tensor in host memory copied into a new tensor by plain memory copies, without any
 * kernel or worker pool: what a data loader's background thread may do while the training thread
 * computes ({@code dev.quiver.dsl.data.Loader}).
 */
public final class HostRows {
  private HostRows() {}

  /** Whether {@link #gather} takes t: a tensor on the CPU. */
  public static boolean supports(Tensor t) {
    return t.device().equals(Device.CPU);
  }

  /** A new tensor of t's rows (along axis 0) at these indices, in this order. */
  public static Tensor gather(Tensor t, int[] rows) {
    if (!supports(t)) {
      throw new IllegalArgumentException(
          "HostRows.gather: the tensor lives on " + t.device() + ", not in host memory");
    }
    if (t.dim() == 0) {
      throw new IllegalArgumentException("HostRows.gather: a scalar has no rows");
    }
    long[] shape = t.shape();
    long n = shape[0];
    shape[0] = rows.length;
    for (int r : rows) {
      if (r < 0 || r >= n) {
        throw new IndexOutOfBoundsException(
            "HostRows.gather: row " + r + " of a tensor with " + n + " rows");
      }
    }
    Tensor src = t.isContiguous() ? t : t.contiguous();
    int per = n == 0 ? 0 : Math.toIntExact(src.numel() / n);
    MemorySegment seg = src.view().hostMemory();
    long base = src.offset();
    return switch (src.dtype()) {
      case FLOAT32 -> {
        float[] out = new float[rows.length * per];
        for (int i = 0; i < rows.length; i++) {
          MemorySegment.copy(
              seg, ValueLayout.JAVA_FLOAT, (base + (long) rows[i] * per) * 4, out, i * per, per);
        }
        yield Tensor.of(out, shape);
      }
      case FLOAT64 -> {
        double[] out = new double[rows.length * per];
        for (int i = 0; i < rows.length; i++) {
          MemorySegment.copy(
              seg, ValueLayout.JAVA_DOUBLE, (base + (long) rows[i] * per) * 8, out, i * per, per);
        }
        yield Tensor.of(out, shape);
      }
      case INT32 -> {
        int[] out = new int[rows.length * per];
        for (int i = 0; i < rows.length; i++) {
          MemorySegment.copy(
              seg, ValueLayout.JAVA_INT, (base + (long) rows[i] * per) * 4, out, i * per, per);
        }
        yield Tensor.ofInts(out, shape);
      }
    };
  }
}
