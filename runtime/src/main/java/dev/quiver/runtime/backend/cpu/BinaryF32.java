package dev.quiver.runtime.backend.cpu;

import static dev.quiver.runtime.backend.cpu.F32Vectors.FLOAT;
import static dev.quiver.runtime.backend.cpu.F32Vectors.L;
import static dev.quiver.runtime.backend.cpu.F32Vectors.load;
import static dev.quiver.runtime.backend.cpu.F32Vectors.splat;
import static dev.quiver.runtime.backend.cpu.F32Vectors.store;

import dev.quiver.runtime.math.ElementwiseMath.BinaryOp;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * float32 binary operations over a run where each input is either contiguous or one broadcast value
 * ({@code aS}/{@code bS}), one method per common operation.
 *
 * <p>Why one method per operation: with all of them in one method, C2 compiled it for the
 * operations and broadcast forms it had seen so far and compiled all of it again, every vector loop
 * inlined, each time another came along: seven times in a first Iris fit, five of them thrown away
 * by an uncommon trap. Each method now has a profile of its own, and its scalar tail applies its
 * operation directly.
 *
 * <p>Each method has three vector loops, one per broadcast form (left, right, none), and no other:
 * a {@code FloatVector} is never null and never chosen by a condition inside a loop. An earlier
 * version chose {@code aS ? broadcast : load(...)} with the broadcast null when unused; C2 compiled
 * that into code that reached a path it had proved dead (a HotSpot crash, once, in CI). When both
 * inputs are broadcast, or the run is shorter than one vector, only the scalar tail runs.
 */
final class BinaryF32 {
  private BinaryF32() {}

  /** One run of {@code n} elements. */
  static void run(
      BinaryOp op,
      MemorySegment a,
      long ao,
      boolean aS,
      MemorySegment b,
      long bo,
      boolean bS,
      MemorySegment y,
      long yo,
      long n) {
    run(op, a, ao, aS, 0, b, bo, bS, 0, y, yo, 0, 1, n);
  }

  /**
   * {@code rows} runs of {@code n} elements, row {@code r} of each operand at its offset plus
   * {@code r} times its row stride ({@code ar}, {@code br}, {@code yr}; 0 for an operand that is
   * the same in every row, such as a bias). A matrix plus a bias row is one call, not one per row:
   * Iris's rows are 3 to 10 floats, and the call per row cost more than the row.
   */
  static void run(
      BinaryOp op,
      MemorySegment a,
      long ao,
      boolean aS,
      long ar,
      MemorySegment b,
      long bo,
      boolean bS,
      long br,
      MemorySegment y,
      long yo,
      long yr,
      long rows,
      long n) {
    if ((rows * n <= F32Vectors.TINY || rows > 1 && n < L) && rows * n <= F32Vectors.STAGE_MAX) {
      shortRows(op, a, ao, aS, ar, b, bo, bS, br, y, yo, yr, (int) rows, (int) n);
      return;
    }
    switch (op) {
      case ADD -> add(a, ao, aS, ar, b, bo, bS, br, y, yo, yr, rows, n);
      case SUB -> sub(a, ao, aS, ar, b, bo, bS, br, y, yo, yr, rows, n);
      case MUL -> mul(a, ao, aS, ar, b, bo, bS, br, y, yo, yr, rows, n);
      case DIV -> div(a, ao, aS, ar, b, bo, bS, br, y, yo, yr, rows, n);
      case MAX -> max(a, ao, aS, ar, b, bo, bS, br, y, yo, yr, rows, n);
      case MIN -> min(a, ao, aS, ar, b, bo, bS, br, y, yo, yr, rows, n);
      default -> {
        for (long r = 0; r < rows; r++) {
          other(op, a, ao + r * ar, aS, b, bo + r * br, bS, y, yo + r * yr, n);
        }
      }
    }
  }

  /**
   * Rows shorter than a vector (Iris's 3 to 10 floats on 16-float vectors), and any operation over
   * at most {@link F32Vectors#TINY} floats, staged: each operand copied in bulk into a per-thread
   * array, a plain loop, the result copied out in bulk. Row by row they would take only the scalar
   * tail, every float through the segment's checked accessor, at a few nanoseconds each. Operand
   * {@code A}'s element (r, j) is at {@code r·aR + j·aJ} in its array: a full operand has (n, 1), a
   * broadcast row (0, 1), a value per row (1, 0), one value (0, 0). Each common operation's loop is
   * a method of its own: C2 compiles the few a model uses, small, once each (one method with a loop
   * per operation and per broadcast form was C2's largest compile in a first fit, three times over
   * as operations came along). The arithmetic is the scalar tail's, so results are the same to the
   * bit.
   */
  private static void shortRows(
      BinaryOp op,
      MemorySegment a,
      long ao,
      boolean aS,
      long ar,
      MemorySegment b,
      long bo,
      boolean bS,
      long br,
      MemorySegment y,
      long yo,
      long yr,
      int rows,
      int n) {
    F32Vectors.Stage st = F32Vectors.stage();
    float[] as = st.a;
    float[] bs = st.b;
    float[] ys = st.y;
    int aR = stage(a, ao, aS, ar, rows, n, as);
    int bR = stage(b, bo, bS, br, rows, n, bs);
    int aJ = aS ? 0 : 1;
    int bJ = bS ? 0 : 1;
    switch (op) {
      case ADD -> addStaged(as, aR, aJ, bs, bR, bJ, ys, rows, n);
      case SUB -> subStaged(as, aR, aJ, bs, bR, bJ, ys, rows, n);
      case MUL -> mulStaged(as, aR, aJ, bs, bR, bJ, ys, rows, n);
      case DIV -> divStaged(as, aR, aJ, bs, bR, bJ, ys, rows, n);
      case MAX -> maxStaged(as, aR, aJ, bs, bR, bJ, ys, rows, n);
      case MIN -> minStaged(as, aR, aJ, bs, bR, bJ, ys, rows, n);
      default -> otherStaged(op, as, aR, aJ, bs, bR, bJ, ys, rows, n);
    }
    F32Vectors.scatterRows(ys, rows, n, y, yo, yr);
  }

  // Operand A's element (r, j) is at r·aR + j·aJ in its array, B's likewise (see shortRows).

  private static void addStaged(
      float[] a, int aR, int aJ, float[] b, int bR, int bJ, float[] y, int rows, int n) {
    for (int r = 0, yi = 0; r < rows; r++) {
      for (int j = 0, ai = r * aR, bi = r * bR; j < n; j++)
        y[yi++] = a[ai + j * aJ] + b[bi + j * bJ];
    }
  }

  private static void subStaged(
      float[] a, int aR, int aJ, float[] b, int bR, int bJ, float[] y, int rows, int n) {
    for (int r = 0, yi = 0; r < rows; r++) {
      for (int j = 0, ai = r * aR, bi = r * bR; j < n; j++)
        y[yi++] = a[ai + j * aJ] - b[bi + j * bJ];
    }
  }

  private static void mulStaged(
      float[] a, int aR, int aJ, float[] b, int bR, int bJ, float[] y, int rows, int n) {
    for (int r = 0, yi = 0; r < rows; r++) {
      for (int j = 0, ai = r * aR, bi = r * bR; j < n; j++)
        y[yi++] = a[ai + j * aJ] * b[bi + j * bJ];
    }
  }

  private static void divStaged(
      float[] a, int aR, int aJ, float[] b, int bR, int bJ, float[] y, int rows, int n) {
    for (int r = 0, yi = 0; r < rows; r++) {
      for (int j = 0, ai = r * aR, bi = r * bR; j < n; j++)
        y[yi++] = a[ai + j * aJ] / b[bi + j * bJ];
    }
  }

  private static void maxStaged(
      float[] a, int aR, int aJ, float[] b, int bR, int bJ, float[] y, int rows, int n) {
    for (int r = 0, yi = 0; r < rows; r++) {
      for (int j = 0, ai = r * aR, bi = r * bR; j < n; j++) {
        y[yi++] = Math.max(a[ai + j * aJ], b[bi + j * bJ]);
      }
    }
  }

  private static void minStaged(
      float[] a, int aR, int aJ, float[] b, int bR, int bJ, float[] y, int rows, int n) {
    for (int r = 0, yi = 0; r < rows; r++) {
      for (int j = 0, ai = r * aR, bi = r * bR; j < n; j++) {
        y[yi++] = Math.min(a[ai + j * aJ], b[bi + j * bJ]);
      }
    }
  }

  private static void otherStaged(
      BinaryOp op,
      float[] a,
      int aR,
      int aJ,
      float[] b,
      int bR,
      int bJ,
      float[] y,
      int rows,
      int n) {
    for (int r = 0, yi = 0; r < rows; r++) {
      for (int j = 0, ai = r * aR, bi = r * bR; j < n; j++) {
        y[yi++] = (float) op.apply(a[ai + j * aJ], b[bi + j * bJ]);
      }
    }
  }

  /** Stages one operand of {@link #shortRows}; returns its row step in the array. */
  private static int stage(
      MemorySegment s, long o, boolean scalar, long rowStride, int rows, int n, float[] dst) {
    if (!scalar) {
      F32Vectors.gatherRows(s, o, rowStride, rows, n, dst);
      return rowStride == 0 ? 0 : n;
    }
    // One value per row (or one for all rows: row stride 0), through the shared copy rather than
    // a get per value (a tree of checks each in C1's code; see F32Vectors.gatherRows).
    F32Vectors.gatherRows(s, o, rowStride, rows, 1, dst);
    return rowStride == 0 ? 0 : 1;
  }

  /** Where the vector loops stop: 0 (none) for a short run or two broadcast inputs. */
  private static long bound(long n, boolean aS, boolean bS) {
    return n < L || (aS && bS) ? 0 : n - n % L;
  }

  private static float at(MemorySegment s, long o, boolean scalar, long i) {
    return s.getAtIndex(FLOAT, scalar ? o : o + i);
  }

  private static void add(
      MemorySegment a,
      long ao,
      boolean aS,
      long ar,
      MemorySegment b,
      long bo,
      boolean bS,
      long br,
      MemorySegment y,
      long yo,
      long yr,
      long rows,
      long n) {
    long end = bound(n, aS, bS);
    for (long r = 0; r < rows; r++, ao += ar, bo += br, yo += yr) {
      long i = 0;
      if (end > 0 && aS) {
        FloatVector c = splat(a, ao);
        for (; i < end; i += L) store(c.add(load(b, bo + i)), y, yo + i);
      } else if (end > 0 && bS) {
        FloatVector c = splat(b, bo);
        for (; i < end; i += L) store(load(a, ao + i).add(c), y, yo + i);
      } else {
        for (; i < end; i += L) store(load(a, ao + i).add(load(b, bo + i)), y, yo + i);
      }
      for (; i < n; i++) y.setAtIndex(FLOAT, yo + i, at(a, ao, aS, i) + at(b, bo, bS, i));
    }
  }

  private static void sub(
      MemorySegment a,
      long ao,
      boolean aS,
      long ar,
      MemorySegment b,
      long bo,
      boolean bS,
      long br,
      MemorySegment y,
      long yo,
      long yr,
      long rows,
      long n) {
    long end = bound(n, aS, bS);
    for (long r = 0; r < rows; r++, ao += ar, bo += br, yo += yr) {
      long i = 0;
      if (end > 0 && aS) {
        FloatVector c = splat(a, ao);
        for (; i < end; i += L) store(c.sub(load(b, bo + i)), y, yo + i);
      } else if (end > 0 && bS) {
        FloatVector c = splat(b, bo);
        for (; i < end; i += L) store(load(a, ao + i).sub(c), y, yo + i);
      } else {
        for (; i < end; i += L) store(load(a, ao + i).sub(load(b, bo + i)), y, yo + i);
      }
      for (; i < n; i++) y.setAtIndex(FLOAT, yo + i, at(a, ao, aS, i) - at(b, bo, bS, i));
    }
  }

  private static void mul(
      MemorySegment a,
      long ao,
      boolean aS,
      long ar,
      MemorySegment b,
      long bo,
      boolean bS,
      long br,
      MemorySegment y,
      long yo,
      long yr,
      long rows,
      long n) {
    long end = bound(n, aS, bS);
    for (long r = 0; r < rows; r++, ao += ar, bo += br, yo += yr) {
      long i = 0;
      if (end > 0 && aS) {
        FloatVector c = splat(a, ao);
        for (; i < end; i += L) store(c.mul(load(b, bo + i)), y, yo + i);
      } else if (end > 0 && bS) {
        FloatVector c = splat(b, bo);
        for (; i < end; i += L) store(load(a, ao + i).mul(c), y, yo + i);
      } else {
        for (; i < end; i += L) store(load(a, ao + i).mul(load(b, bo + i)), y, yo + i);
      }
      for (; i < n; i++) y.setAtIndex(FLOAT, yo + i, at(a, ao, aS, i) * at(b, bo, bS, i));
    }
  }

  private static void div(
      MemorySegment a,
      long ao,
      boolean aS,
      long ar,
      MemorySegment b,
      long bo,
      boolean bS,
      long br,
      MemorySegment y,
      long yo,
      long yr,
      long rows,
      long n) {
    long end = bound(n, aS, bS);
    for (long r = 0; r < rows; r++, ao += ar, bo += br, yo += yr) {
      long i = 0;
      if (end > 0 && aS) {
        FloatVector c = splat(a, ao);
        for (; i < end; i += L) store(c.div(load(b, bo + i)), y, yo + i);
      } else if (end > 0 && bS) {
        FloatVector c = splat(b, bo);
        for (; i < end; i += L) store(load(a, ao + i).div(c), y, yo + i);
      } else {
        for (; i < end; i += L) store(load(a, ao + i).div(load(b, bo + i)), y, yo + i);
      }
      for (; i < n; i++) y.setAtIndex(FLOAT, yo + i, at(a, ao, aS, i) / at(b, bo, bS, i));
    }
  }

  private static void max(
      MemorySegment a,
      long ao,
      boolean aS,
      long ar,
      MemorySegment b,
      long bo,
      boolean bS,
      long br,
      MemorySegment y,
      long yo,
      long yr,
      long rows,
      long n) {
    long end = bound(n, aS, bS);
    for (long r = 0; r < rows; r++, ao += ar, bo += br, yo += yr) {
      long i = 0;
      if (end > 0 && aS) {
        FloatVector c = splat(a, ao);
        for (; i < end; i += L) store(c.max(load(b, bo + i)), y, yo + i);
      } else if (end > 0 && bS) {
        FloatVector c = splat(b, bo);
        for (; i < end; i += L) store(load(a, ao + i).max(c), y, yo + i);
      } else {
        for (; i < end; i += L) store(load(a, ao + i).max(load(b, bo + i)), y, yo + i);
      }
      for (; i < n; i++) y.setAtIndex(FLOAT, yo + i, Math.max(at(a, ao, aS, i), at(b, bo, bS, i)));
    }
  }

  private static void min(
      MemorySegment a,
      long ao,
      boolean aS,
      long ar,
      MemorySegment b,
      long bo,
      boolean bS,
      long br,
      MemorySegment y,
      long yo,
      long yr,
      long rows,
      long n) {
    long end = bound(n, aS, bS);
    for (long r = 0; r < rows; r++, ao += ar, bo += br, yo += yr) {
      long i = 0;
      if (end > 0 && aS) {
        FloatVector c = splat(a, ao);
        for (; i < end; i += L) store(c.min(load(b, bo + i)), y, yo + i);
      } else if (end > 0 && bS) {
        FloatVector c = splat(b, bo);
        for (; i < end; i += L) store(load(a, ao + i).min(c), y, yo + i);
      } else {
        for (; i < end; i += L) store(load(a, ao + i).min(load(b, bo + i)), y, yo + i);
      }
      for (; i < n; i++) y.setAtIndex(FLOAT, yo + i, Math.min(at(a, ao, aS, i), at(b, bo, bS, i)));
    }
  }

  /**
   * POW and the comparisons, rarer in training, share a method; their vector loops follow the same
   * three-form rule.
   */
  private static void other(
      BinaryOp op,
      MemorySegment a,
      long ao,
      boolean aS,
      MemorySegment b,
      long bo,
      boolean bS,
      MemorySegment y,
      long yo,
      long n) {
    long i = 0;
    long end = bound(n, aS, bS);
    if (end > 0 && op == BinaryOp.POW) {
      i = pow(a, ao, aS, b, bo, bS, y, yo, end);
    } else if (end > 0) {
      i = compare(comparison(op), a, ao, aS, b, bo, bS, y, yo, end);
    }
    for (; i < n; i++) {
      y.setAtIndex(FLOAT, yo + i, (float) op.apply(at(a, ao, aS, i), at(b, bo, bS, i)));
    }
  }

  private static long pow(
      MemorySegment a,
      long ao,
      boolean aS,
      MemorySegment b,
      long bo,
      boolean bS,
      MemorySegment y,
      long yo,
      long end) {
    var p = VectorOperators.POW;
    long i = 0;
    if (aS) {
      FloatVector c = splat(a, ao);
      for (; i < end; i += L) store(c.lanewise(p, load(b, bo + i)), y, yo + i);
    } else if (bS) {
      FloatVector c = splat(b, bo);
      for (; i < end; i += L) store(load(a, ao + i).lanewise(p, c), y, yo + i);
    } else {
      for (; i < end; i += L) store(load(a, ao + i).lanewise(p, load(b, bo + i)), y, yo + i);
    }
    return i;
  }

  private static VectorOperators.Comparison comparison(BinaryOp op) {
    return switch (op) {
      case EQ -> VectorOperators.EQ;
      case NE -> VectorOperators.NE;
      case LT -> VectorOperators.LT;
      case LE -> VectorOperators.LE;
      case GT -> VectorOperators.GT;
      case GE -> VectorOperators.GE;
      default -> throw new IllegalArgumentException("not a comparison: " + op);
    };
  }

  /** 1 where the comparison holds, else 0. */
  private static long compare(
      VectorOperators.Comparison cmp,
      MemorySegment a,
      long ao,
      boolean aS,
      MemorySegment b,
      long bo,
      boolean bS,
      MemorySegment y,
      long yo,
      long end) {
    FloatVector one = FloatVector.broadcast(F32Vectors.F, 1f);
    FloatVector zero = FloatVector.zero(F32Vectors.F);
    long i = 0;
    if (aS) {
      FloatVector c = splat(a, ao);
      for (; i < end; i += L) store(zero.blend(one, c.compare(cmp, load(b, bo + i))), y, yo + i);
    } else if (bS) {
      FloatVector c = splat(b, bo);
      for (; i < end; i += L) store(zero.blend(one, load(a, ao + i).compare(cmp, c)), y, yo + i);
    } else {
      for (; i < end; i += L) {
        store(zero.blend(one, load(a, ao + i).compare(cmp, load(b, bo + i))), y, yo + i);
      }
    }
    return i;
  }
}
