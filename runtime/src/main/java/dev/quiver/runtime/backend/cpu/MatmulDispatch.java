package dev.quiver.runtime.backend.cpu;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.backend.View;
import java.lang.foreign.MemorySegment;

/**
 * Splits a batched matmul into GEMM calls on strided matrices, so transposed operands need no copy.
 */
final class MatmulDispatch {
  private MatmulDispatch() {}

  static void matmul(View a, View b, View out) {
    long[] as = a.strides();
    long[] bs = b.strides();
    long[] os = out.strides();
    long[] shape = out.shape();
    int r = shape.length;
    int m = Math.toIntExact(shape[r - 2]);
    int n = Math.toIntExact(shape[r - 1]);
    int k = Math.toIntExact(a.shape()[r - 1]);
    MemorySegment am = a.hostSegment();
    MemorySegment bm = b.hostSegment();
    MemorySegment om = out.hostSegment();
    long batches = 1;
    for (int i = 0; i < r - 2; i++) {
      batches *= shape[i];
    }
    if (r == 3 && out.dtype() == DType.FLOAT32) {
      // One batch axis: the kernel spreads many small products over the threads itself.
      Sgemm.sgemmBatched(
          Math.toIntExact(shape[0]),
          m,
          n,
          k,
          am,
          a.offset(),
          as[0],
          as[1],
          as[2],
          bm,
          b.offset(),
          bs[0],
          bs[1],
          bs[2],
          om,
          out.offset(),
          os[0],
          os[1],
          false);
      return;
    }
    long[] idx = new long[Math.max(r - 2, 0)];
    for (long bi = 0; bi < batches; bi++) {
      long ao = a.offset();
      long bo = b.offset();
      long oo = out.offset();
      long rem = bi;
      for (int i = r - 3; i >= 0; i--) {
        idx[i] = rem % shape[i];
        rem /= shape[i];
        ao += idx[i] * as[i];
        bo += idx[i] * bs[i];
        oo += idx[i] * os[i];
      }
      if (out.dtype() == DType.FLOAT32) {
        Sgemm.sgemm(
            m, n, k, am, ao, as[r - 2], as[r - 1], bm, bo, bs[r - 2], bs[r - 1], om, oo, os[r - 2],
            false);
      } else {
        Sgemm.dgemm(
            m, n, k, am, ao, as[r - 2], as[r - 1], bm, bo, bs[r - 2], bs[r - 1], om, oo, os[r - 2],
            false);
      }
      Parallel.checkInterrupt("matmul");
    }
  }
}
