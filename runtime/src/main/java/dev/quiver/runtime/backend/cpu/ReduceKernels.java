package dev.quiver.runtime.backend.cpu;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.backend.ReduceOp;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Reductions as "accumulate x into out", where out is viewed with stride 0 along the reduced axes.
 * Two runs matter for speed and get SIMD paths (float32):
 *
 * <ul>
 *   <li>out stride 0, x stride 1: a contiguous row folds into one value (sum over the last axis);
 *   <li>out stride 1, x stride 1: a row is added into a row of out (sum over the batch axis, e.g. a
 *       bias gradient).
 * </ul>
 */
final class ReduceKernels {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
  private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

  /** Groups of four vectors summed in float before the running total (in double) takes them. */
  private static final long SUM_BLOCK = 32;

  private ReduceKernels() {}

  static void accumulateRun(
      ReduceOp op,
      MemorySegment x,
      DType xt,
      long xo,
      long xs,
      MemorySegment y,
      DType yt,
      long yo,
      long ys,
      long n) {
    if (xt == DType.FLOAT32 && yt == DType.FLOAT32 && xs == 1) {
      if (ys == 0) {
        float acc = y.getAtIndex(FLOAT, yo);
        y.setAtIndex(FLOAT, yo, foldF32(op, x, xo, n, acc));
        return;
      }
      if (ys == 1) {
        rowsF32(op, x, xo, y, yo, n);
        return;
      }
    }
    if (ys == 0) {
      double acc = ElementwiseKernels.read(y, yt, yo);
      for (long i = 0; i < n; i++) {
        acc = op.combine(acc, ElementwiseKernels.read(x, xt, xo + i * xs));
      }
      ElementwiseKernels.write(y, yt, yo, acc);
      return;
    }
    for (long i = 0; i < n; i++) {
      long yi = yo + i * ys;
      ElementwiseKernels.write(
          y,
          yt,
          yi,
          op.combine(
              ElementwiseKernels.read(y, yt, yi), ElementwiseKernels.read(x, xt, xo + i * xs)));
    }
  }

  /**
   * {@link #accumulateRun} over {@code rows} float32 runs of {@code n} contiguous elements, row
   * {@code r} of x at {@code xo + r·xr} and of y at {@code yo + r·yr}, in one call: a column sum (a
   * bias gradient: {@code ys} 1, {@code yr} 0) adds each column down the rows in vector lanes, a
   * row sum ({@code ys} 0) folds each row. Each output element takes the same values in the same
   * order as row by row, so results are the same to the bit. False when another kernel must run.
   */
  static boolean accumulateRowsF32(
      ReduceOp op,
      MemorySegment x,
      long xo,
      long xr,
      MemorySegment y,
      long yo,
      long ys,
      long yr,
      long rows,
      long n) {
    if (ys == 1 && yr == 0) {
      columnsF32(op, x, xo, xr, y, yo, rows, n);
      return true;
    }
    if (ys == 0) {
      for (long r = 0; r < rows; r++) {
        long yi = yo + r * yr;
        y.setAtIndex(FLOAT, yi, foldF32(op, x, xo + r * xr, n, y.getAtIndex(FLOAT, yi)));
      }
      return true;
    }
    return false;
  }

  /** y[i] = op(y[i], x[0, i], x[1, i], ...), in row order, for i < n. */
  private static void columnsF32(
      ReduceOp op, MemorySegment x, long xo, long xr, MemorySegment y, long yo, long rows, long n) {
    if (n < L && rows * n <= F32Vectors.STAGE_MAX) {
      columnsStaged(op, x, xo, xr, y, yo, (int) rows, (int) n);
      return;
    }
    columnsVector(op, x, xo, xr, y, yo, rows, n);
  }

  /**
   * Short rows (a small layer's bias gradient): x staged in bulk, summed in a plain loop. This and
   * {@link #columnsVector} are methods of their own so that a small model's fits and a larger
   * model's compile each once (one method for both was compiled with one branch, then again).
   */
  private static void columnsStaged(
      ReduceOp op, MemorySegment x, long xo, long xr, MemorySegment y, long yo, int rows, int n) {
    F32Vectors.Stage st = F32Vectors.stage();
    float[] xs = st.a;
    float[] ys = st.y;
    F32Vectors.gatherRows(x, xo, xr, rows, n, xs);
    // y staged too, through the shared copies: a get and a set on the segment per column are two
    // more trees of checks in C1's code of this method (see F32Vectors.gatherRows).
    F32Vectors.read(y, yo, ys, 0, n);
    int step = xr == 0 ? 0 : n; // a broadcast x is staged as its one row
    for (int j = 0; j < n; j++) {
      float acc = ys[j];
      if (op == ReduceOp.SUM) {
        // A float sum is the double sum rounded to float: the same as combine's.
        for (int r = 0, xi = j; r < rows; r++, xi += step) {
          acc += xs[xi];
        }
      } else {
        for (int r = 0, xi = j; r < rows; r++, xi += step) {
          acc = (float) op.combine(acc, xs[xi]);
        }
      }
      ys[j] = acc;
    }
    F32Vectors.write(ys, 0, y, yo, n);
  }

  /** Column sums a vector of columns at a time (SUM), the rest column by column. */
  private static void columnsVector(
      ReduceOp op, MemorySegment x, long xo, long xr, MemorySegment y, long yo, long rows, long n) {
    long i = 0;
    if (op == ReduceOp.SUM) {
      long bound = n - n % L;
      for (; i < bound; i += L) {
        FloatVector acc = load(y, yo + i);
        for (long r = 0; r < rows; r++) {
          acc = acc.add(load(x, xo + r * xr + i));
        }
        acc.intoMemorySegment(y, (yo + i) << 2, NATIVE);
      }
    }
    for (; i < n; i++) {
      float acc = y.getAtIndex(FLOAT, yo + i);
      for (long r = 0; r < rows; r++) {
        acc = (float) op.combine(acc, x.getAtIndex(FLOAT, xo + r * xr + i));
      }
      y.setAtIndex(FLOAT, yo + i, acc);
    }
  }

  private static float foldF32(ReduceOp op, MemorySegment x, long xo, long n, float acc) {
    return n <= F32Vectors.TINY
        ? foldStaged(op, x, xo, (int) n, acc)
        : foldVector(op, x, xo, n, acc);
  }

  /**
   * A few floats (F32Vectors.TINY says why): staged, folded in double as the scalar tail is. A
   * method of its own, as {@link #foldVector}: C1 compiles every branch of a method, and the vector
   * loops' Vector API calls inline into large code that a small model's fit never runs.
   */
  private static float foldStaged(ReduceOp op, MemorySegment x, long xo, int n, float acc) {
    float[] v = F32Vectors.stage().a;
    F32Vectors.read(x, xo, v, 0, n);
    double r = acc;
    for (int i = 0; i < n; i++) {
      r = op.combine(r, v[i]);
    }
    return (float) r;
  }

  private static float foldVector(ReduceOp op, MemorySegment x, long xo, long n, float acc) {
    long bound = n - n % L;
    long i = 0;
    float result;
    switch (op) {
      case SUM -> {
        // Four independent accumulators hide the add latency. They restart every SUM_BLOCK
        // vectors and each block's total goes into a double: float lanes that ran over a whole
        // long row would grow until every added element lost bits (1M copies of 0.1 came out
        // 2e-4 too large), while short blocks keep the error near one float rounding.
        double total = acc;
        long bound4 = n - n % (4L * L);
        while (i < bound4) {
          FloatVector s0 = FloatVector.zero(F);
          FloatVector s1 = FloatVector.zero(F);
          FloatVector s2 = FloatVector.zero(F);
          FloatVector s3 = FloatVector.zero(F);
          long blockEnd = Math.min(bound4, i + SUM_BLOCK * 4L * L);
          for (; i < blockEnd; i += 4L * L) {
            s0 = s0.add(load(x, xo + i));
            s1 = s1.add(load(x, xo + i + L));
            s2 = s2.add(load(x, xo + i + 2L * L));
            s3 = s3.add(load(x, xo + i + 3L * L));
          }
          total += s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
        }
        FloatVector s0 = FloatVector.zero(F);
        for (; i < bound; i += L) {
          s0 = s0.add(load(x, xo + i));
        }
        double r = total + s0.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
          r += x.getAtIndex(FLOAT, xo + i);
        }
        return (float) r;
      }
      case MAX -> {
        FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        boolean nan = false;
        for (; i < bound; i += L) {
          var v = load(x, xo + i);
          nan |= v.test(VectorOperators.IS_NAN).anyTrue();
          m = m.max(v);
        }
        result = nan ? Float.NaN : (float) op.combine(acc, m.reduceLanes(VectorOperators.MAX));
      }
      case MIN -> {
        FloatVector m = FloatVector.broadcast(F, Float.POSITIVE_INFINITY);
        boolean nan = false;
        for (; i < bound; i += L) {
          var v = load(x, xo + i);
          nan |= v.test(VectorOperators.IS_NAN).anyTrue();
          m = m.min(v);
        }
        result = nan ? Float.NaN : (float) op.combine(acc, m.reduceLanes(VectorOperators.MIN));
      }
      default -> throw new AssertionError(op);
    }
    double r = result;
    for (; i < n; i++) {
      r = op.combine(r, x.getAtIndex(FLOAT, xo + i));
    }
    return (float) r;
  }

  private static void rowsF32(
      ReduceOp op, MemorySegment x, long xo, MemorySegment y, long yo, long n) {
    long bound = n - n % L;
    long i = 0;
    if (op == ReduceOp.SUM) {
      for (; i < bound; i += L) {
        load(y, yo + i).add(load(x, xo + i)).intoMemorySegment(y, (yo + i) << 2, NATIVE);
      }
    }
    for (; i < n; i++) {
      y.setAtIndex(
          FLOAT,
          yo + i,
          (float) op.combine(y.getAtIndex(FLOAT, yo + i), x.getAtIndex(FLOAT, xo + i)));
    }
  }

  private static FloatVector load(MemorySegment s, long elem) {
    return FloatVector.fromMemorySegment(F, s, elem << 2, NATIVE);
  }
}
