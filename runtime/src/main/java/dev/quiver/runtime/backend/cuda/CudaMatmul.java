package dev.quiver.runtime.backend.cuda;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.backend.Backend;
import dev.quiver.runtime.backend.View;
import dev.quiver.runtime.backend.cuda.ffi.Cublas;
import dev.quiver.runtime.backend.cuda.ffi.CudaException;
import java.lang.foreign.MemorySegment;

/**
 * Batched matmul through cuBLAS. cuBLAS is column-major; a row-major C = A·B is, read column-major,
 * C^T = B^T·A^T, so we call gemm with the operands swapped and no copies. A transposed view (a
 * weight gradient's x^T) is a column-major matrix and goes in with op T, also without a copy. Batch
 * axes that collapse to one stride (0 for a broadcast operand) become one strided-batched call.
 * Anything else (a strided view that is neither, int32) is first copied into a contiguous (or
 * float64) device temporary.
 *
 * <p>float32 runs in true float32: cuBLAS's default math mode, like PyTorch's default (allow_tf32 =
 * False), so the two are compared on the same arithmetic.
 */
final class CudaMatmul {
  private CudaMatmul() {}

  /**
   * How one row-major matrix operand goes to cuBLAS: transpose flag, leading dimension, batch
   * stride.
   */
  record Operand(int op, int ld, long batchStride) {}

  static void matmul(Backend backend, CudaDevice dev, View a, View b, View out) {
    long[] shape = out.shape();
    int r = shape.length;
    long m = shape[r - 2];
    long n = shape[r - 1];
    long k = a.shape()[r - 1];
    if (m == 0 || n == 0) {
      return;
    }
    if (k == 0) {
      backend.fill(out, 0);
      return;
    }
    if (out.dtype() == DType.INT32) {
      // No integer GEMM in cuBLAS for these types: exact in float64 for any realistic int32
      // product.
      View af = DeviceOperands.temporary(dev, DType.FLOAT64, a.shape());
      View bf = DeviceOperands.temporary(dev, DType.FLOAT64, b.shape());
      View of = DeviceOperands.temporary(dev, DType.FLOAT64, shape);
      backend.copy(a, af);
      backend.copy(b, bf);
      matmul(backend, dev, af, bf, of);
      backend.copy(of, out);
      af.storage().release();
      bf.storage().release();
      of.storage().release();
      return;
    }
    long batches = 1;
    for (int i = 0; i < r - 2; i++) {
      batches *= shape[i];
    }
    if (m > Integer.MAX_VALUE
        || n > Integer.MAX_VALUE
        || k > Integer.MAX_VALUE
        || batches > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "matmul: sizes m="
              + m
              + ", n="
              + n
              + ", k="
              + k
              + ", batches="
              + batches
              + " exceed cuBLAS's 32-bit limits");
    }
    Operand ao = operand(a, m, k);
    Operand bo = operand(b, k, n);
    Operand co = result(out, m, n);
    View aT = a;
    View bT = b;
    View oT = out;
    boolean aliased = out.storage() == a.storage() || out.storage() == b.storage();
    if (ao == null) {
      aT = contiguous(backend, dev, a);
      ao = operand(aT, m, k);
    }
    if (bo == null) {
      bT = contiguous(backend, dev, b);
      bo = operand(bT, k, n);
    }
    if (co == null || aliased) {
      oT = DeviceOperands.temporary(dev, out.dtype(), shape);
      co = result(oT, m, n);
    }
    try {
      long ap = DeviceOperands.pointer(dev, "matmul", "first operand", aT);
      long bp = DeviceOperands.pointer(dev, "matmul", "second operand", bT);
      long cp = DeviceOperands.pointer(dev, "matmul", "out", oT);
      var handle = dev.cublasHandle();
      Cublas cublas = dev.cublas();
      synchronized (handle) {
        dev.makeCurrent(); // inside the lock: waiting for it may move a virtual thread to another
        // carrier
        try {
          gemm(cublas, handle, out.dtype(), batches, m, n, k, ao, ap, bo, bp, co, cp);
        } catch (CudaException e) {
          if (!Cublas.isAllocationFailure(e)) {
            throw e;
          }
          // cuBLAS allocates its workspace itself (cudaMalloc), outside our allocator: the memory
          // may all sit in our cache of freed blocks. Give that back and try once more.
          dev.allocator().emptyCache();
          dev.makeCurrent();
          gemm(cublas, handle, out.dtype(), batches, m, n, k, ao, ap, bo, bp, co, cp);
        }
      }
      if (oT != out) {
        backend.copy(oT, out);
      }
    } finally {
      if (aT != a) {
        aT.storage().release();
      }
      if (bT != b) {
        bT.storage().release();
      }
      if (oT != out) {
        oT.storage().release();
      }
    }
  }

  /** One cuBLAS call. Column-major: C^T (n x m) = op(B^T) (n x k) . op(A^T) (k x m). */
  private static void gemm(
      Cublas cublas,
      MemorySegment handle,
      DType dtype,
      long batches,
      long m,
      long n,
      long k,
      Operand ao,
      long ap,
      Operand bo,
      long bp,
      Operand co,
      long cp) {
    if (batches == 1) {
      if (dtype == DType.FLOAT32) {
        cublas.sgemm(
            handle, bo.op, ao.op, (int) n, (int) m, (int) k, bp, bo.ld, ap, ao.ld, cp, co.ld);
      } else {
        cublas.dgemm(
            handle, bo.op, ao.op, (int) n, (int) m, (int) k, bp, bo.ld, ap, ao.ld, cp, co.ld);
      }
    } else if (dtype == DType.FLOAT32) {
      cublas.sgemmStridedBatched(
          handle,
          bo.op,
          ao.op,
          (int) n,
          (int) m,
          (int) k,
          bp,
          bo.ld,
          bo.batchStride,
          ap,
          ao.ld,
          ao.batchStride,
          cp,
          co.ld,
          co.batchStride,
          (int) batches);
    } else {
      cublas.dgemmStridedBatched(
          handle,
          bo.op,
          ao.op,
          (int) n,
          (int) m,
          (int) k,
          bp,
          bo.ld,
          bo.batchStride,
          ap,
          ao.ld,
          ao.batchStride,
          cp,
          co.ld,
          co.batchStride,
          (int) batches);
    }
  }

  private static View contiguous(Backend backend, CudaDevice dev, View t) {
    View c = DeviceOperands.temporary(dev, t.dtype(), t.shape());
    backend.copy(t, c);
    return c;
  }

  /**
   * A row-major [rows, cols] operand as cuBLAS sees it: its memory read column-major is either the
   * transpose (row-major, op N) or the matrix itself (column-major, op T). Null: neither.
   */
  static Operand operandLayout(long[] shape, long[] strides, long rows, long cols) {
    int r = shape.length;
    long s0 = strides[r - 2];
    long s1 = strides[r - 1];
    Long batch = batchStride(shape, strides);
    if (batch == null) {
      return null;
    }
    if ((cols == 1 || s1 == 1) && (rows == 1 || s0 >= cols) && s0 <= Integer.MAX_VALUE) {
      long ld = rows == 1 ? Math.max(cols, 1) : s0;
      return new Operand(Cublas.OP_N, (int) ld, batch);
    }
    if ((rows == 1 || s0 == 1) && (cols == 1 || s1 >= rows) && s1 <= Integer.MAX_VALUE) {
      long ld = cols == 1 ? Math.max(rows, 1) : s1;
      return new Operand(Cublas.OP_T, (int) ld, batch);
    }
    return null;
  }

  private static Operand operand(View t, long rows, long cols) {
    return operandLayout(t.shape(), t.strides(), rows, cols);
  }

  /**
   * The output must be row-major (op N) with positive batch stride: cuBLAS writes C, it cannot
   * transpose it.
   */
  private static Operand result(View t, long rows, long cols) {
    Operand o = operand(t, rows, cols);
    if (o == null || o.op != Cublas.OP_N) {
      return null;
    }
    if (t.dim() > 2 && o.batchStride == 0 && batchCount(t.shape()) > 1) {
      return null;
    }
    return o;
  }

  private static long batchCount(long[] shape) {
    long b = 1;
    for (int i = 0; i < shape.length - 2; i++) {
      b *= shape[i];
    }
    return b;
  }

  /**
   * The one element stride between consecutive matrices of the flattened batch, or null when the
   * batch axes do not collapse to one (then the operand is copied). 0 for a broadcast operand.
   */
  static Long batchStride(long[] shape, long[] strides) {
    int r = shape.length;
    long stride = -1;
    long span = 1;
    // Innermost batch axis outwards: each axis must step by the stride times the batches inside it.
    for (int d = r - 3; d >= 0; d--) {
      if (shape[d] == 1) {
        continue;
      }
      if (stride < 0) {
        stride = strides[d];
      } else if (strides[d] != stride * span) {
        return null;
      }
      span *= shape[d];
    }
    return stride < 0 ? 0L : stride;
  }
}
