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
    switch (op) {
      case ADD -> add(a, ao, aS, b, bo, bS, y, yo, n);
      case SUB -> sub(a, ao, aS, b, bo, bS, y, yo, n);
      case MUL -> mul(a, ao, aS, b, bo, bS, y, yo, n);
      case DIV -> div(a, ao, aS, b, bo, bS, y, yo, n);
      case MAX -> max(a, ao, aS, b, bo, bS, y, yo, n);
      case MIN -> min(a, ao, aS, b, bo, bS, y, yo, n);
      default -> other(op, a, ao, aS, b, bo, bS, y, yo, n);
    }
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
      MemorySegment b,
      long bo,
      boolean bS,
      MemorySegment y,
      long yo,
      long n) {
    long i = 0;
    long end = bound(n, aS, bS);
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

  private static void sub(
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

  private static void mul(
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

  private static void div(
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

  private static void max(
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

  private static void min(
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
