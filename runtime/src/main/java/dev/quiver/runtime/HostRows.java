package dev.quiver.runtime;

import dev.quiver.runtime.backend.Devices;
import java.lang.foreign.MemorySegment;

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
    long rowBytes = n == 0 ? 0 : src.numel() / n * src.dtype().byteSize();
    // Each row one copy of its bytes, whatever the element type: a single copy in this method (C1
    // inlines each MemorySegment.copy's tree of checks where it is called, and this runs in a
    // notebook's first fit), and no array between the rows and the tensor.
    Tensor out = Tensor.empty(Device.CPU, src.dtype(), shape);
    MemorySegment from = src.view().hostMemory();
    MemorySegment to = out.view().hostMemory();
    long base = src.offset() * src.dtype().byteSize();
    long at = out.offset() * out.dtype().byteSize();
    for (int i = 0; i < rows.length; i++) {
      MemorySegment.copy(from, base + rows[i] * rowBytes, to, at + i * rowBytes, rowBytes);
    }
    Device target = Devices.getDefault();
    if (target.equals(Device.CPU)) {
      return out;
    }
    Tensor moved = out.to(target); // as Tensor.of would: the default device's copy
    out.close();
    return moved;
  }
}
