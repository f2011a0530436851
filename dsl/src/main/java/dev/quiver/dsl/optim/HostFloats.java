package dev.quiver.dsl.optim;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Direct access to contiguous float32 tensors in host memory, for fused optimizer updates: one
 * pass over the elements instead of a dozen tensor ops, each with its own allocation. This is what
 * PyTorch's fused Adam does; on small models the per-op overhead is most of a training step.
 * Tensors elsewhere (a GPU) take the general path of tensor ops.
 */
final class HostFloats {
  private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

  private final MemorySegment segment;
  private final long offset;

  private HostFloats(Tensor t) {
    this.segment = t.view().hostSegment();
    this.offset = t.offset();
  }

  /** True when every tensor is a contiguous float32 host tensor with the same number of elements. */
  static boolean fusable(Tensor... ts) {
    long n = ts[0].numel();
    for (Tensor t : ts) {
      if (t.dtype() != DType.FLOAT32 || !Device.CPU.equals(t.device()) || !t.isContiguous() || t.numel() != n) {
        return false;
      }
    }
    return true;
  }

  static HostFloats of(Tensor t) {
    return new HostFloats(t);
  }

  float get(long i) {
    return segment.getAtIndex(F, offset + i);
  }

  void set(long i, float v) {
    segment.setAtIndex(F, offset + i, v);
  }
}
