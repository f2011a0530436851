package dev.quiver.runtime.backend.cuda;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.backend.View;

/**
 * Operands of one GPU's kernels: the device address of a view (after checking that it lives on that
 * GPU) and contiguous device temporaries. Shared by {@link CudaBackend} and {@link CudaMatmul},
 * which both launch work on views.
 */
final class DeviceOperands {
  private DeviceOperands() {}

  /**
   * Device address of element [0, ..., 0] of {@code t}, after checking that it lives on {@code
   * dev}.
   */
  static long pointer(CudaDevice dev, String op, String role, View t) {
    if (!(t.storage() instanceof CudaStorage s) || s.cudaDevice() != dev) {
      throw new IllegalArgumentException(
          op
              + ": "
              + role
              + " is on "
              + t.device()
              + " but the op runs on "
              + dev.device()
              + "; move it with to("
              + dev.device()
              + ")");
    }
    return s.pointer() + t.offset() * t.dtype().byteSize();
  }

  /**
   * A contiguous temporary on {@code dev}, released by the caller ({@link #release}) once its last
   * use is queued.
   */
  static View temporary(CudaDevice dev, DType dtype, long[] shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    return new View(
        CudaStorage.allocate(dev, n * dtype.byteSize(), null),
        dtype,
        shape.clone(),
        contiguousStrides(shape),
        0);
  }

  /** The kernels' name suffix for an element type: reduce_block_f32, copy_f64_i32, ... */
  static String suffix(DType t) {
    return switch (t) {
      case FLOAT32 -> "f32";
      case FLOAT64 -> "f64";
      case INT32 -> "i32";
    };
  }

  static void release(View t) {
    t.storage().release();
  }

  static long[] contiguousStrides(long[] shape) {
    long[] s = new long[shape.length];
    long acc = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= shape[i];
    }
    return s;
  }
}
