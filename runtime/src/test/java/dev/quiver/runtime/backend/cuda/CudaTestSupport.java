package dev.quiver.runtime.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.backend.Backend;
import dev.quiver.runtime.backend.Backends;
import dev.quiver.runtime.backend.View;
import dev.quiver.runtime.memory.HostStorage;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;

/**
 * Helpers for the GPU tests: host tensors built without going through View's factories (which may
 * allocate on a default device), identical views on both backends, comparison by relative error.
 */
final class CudaTestSupport {
  private CudaTestSupport() {}

  static CudaBackend gpu() {
    Assumptions.assumeTrue(
        Cuda.unavailableReason().isEmpty(),
        () -> "no usable CUDA device: " + Cuda.unavailableReason().orElse(""));
    return Cuda.cudaBackend(0);
  }

  static Backend cpu() {
    return Backends.cpu();
  }

  static long[] contiguous(long[] shape) {
    long[] s = new long[shape.length];
    long acc = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= shape[i];
    }
    return s;
  }

  static long numel(long[] shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    return n;
  }

  static View hostEmpty(DType t, long... shape) {
    return new View(
        HostStorage.allocate(numel(shape) * t.byteSize(), null),
        t,
        shape.clone(),
        contiguous(shape),
        0);
  }

  /** Random values: floats in [lo, hi), ints in [lo, hi] rounded. */
  static View hostRandom(DType t, long seed, double lo, double hi, long... shape) {
    View x = hostEmpty(t, shape);
    SplittableRandom r = new SplittableRandom(seed);
    for (long i = 0; i < x.numel(); i++) {
      double v = lo + (hi - lo) * r.nextDouble();
      cpu().set(x, i, t == DType.INT32 ? Math.rint(v) : v);
    }
    return x;
  }

  static View gpuEmpty(CudaBackend g, DType t, long... shape) {
    return new View(
        g.allocate(numel(shape) * t.byteSize(), null), t, shape.clone(), contiguous(shape), 0);
  }

  /**
   * The same view (shape, strides, offset) of another storage: used to mirror a host view on the
   * GPU.
   */
  static View view(View base, long[] shape, long[] strides, long offset) {
    return new View(base.storage(), base.dtype(), shape, strides, offset);
  }

  static double[] values(View host) {
    double[] v = new double[(int) host.numel()];
    for (int i = 0; i < v.length; i++) {
      v[i] = cpu().get(host, i);
    }
    return v;
  }

  /** Element-wise: both NaN, equal, or relative error within tol (absolute near zero). */
  static void assertClose(View expectedHost, View actualHost, double tol, String what) {
    assertArrayEquals(expectedHost.shape(), actualHost.shape(), what + ": shape");
    double[] e = values(expectedHost);
    double[] a = values(actualHost);
    for (int i = 0; i < e.length; i++) {
      if (Double.isNaN(e[i]) && Double.isNaN(a[i]) || e[i] == a[i]) {
        continue;
      }
      double err = Math.abs(e[i] - a[i]) / Math.max(1, Math.abs(e[i]));
      if (!(err <= tol)) {
        fail(
            what
                + ": element "
                + i
                + " expected "
                + e[i]
                + " but was "
                + a[i]
                + " (relative error "
                + err
                + ")");
      }
    }
  }

  static double tolerance(DType t) {
    return switch (t) {
      case FLOAT32 -> 2e-5;
      case FLOAT64 -> 1e-12;
      case INT32 -> 0;
    };
  }
}
