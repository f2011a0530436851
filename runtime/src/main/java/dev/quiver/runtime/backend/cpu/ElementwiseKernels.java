package dev.quiver.runtime.backend.cpu;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.math.ElementwiseMath.BinaryOp;
import dev.quiver.runtime.math.ElementwiseMath.UnaryOp;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise kernels over innermost runs (see {@link StridedLoop}).
 *
 * <p>float32 runs whose strides are 0 or 1 go through the Vector API straight on native memory;
 * everything else (float64, int32, odd strides) takes a scalar path that computes in double. The
 * scalar definitions in {@link UnaryOp#apply} and {@link BinaryOp#apply} are the reference; the
 * vector paths must agree with them to float rounding.
 *
 * <p>Each op gets its own vector loop (the switch sits outside the loop) so the JIT sees a constant
 * operator and emits straight-line SIMD code.
 */
final class ElementwiseKernels {
  static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
  private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

  private ElementwiseKernels() {}

  // ------------------------------------------------------------------ element access (scalar path)

  static double read(MemorySegment s, DType t, long i) {
    return switch (t) {
      case FLOAT32 -> s.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
      case FLOAT64 -> s.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i);
      case INT32 -> s.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i);
    };
  }

  static void write(MemorySegment s, DType t, long i, double v) {
    switch (t) {
      case FLOAT32 -> s.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) v);
      case FLOAT64 -> s.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i, v);
      // Casts to int truncate toward zero, as in Java and numpy's astype.
      case INT32 -> s.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i, (int) v);
    }
  }

  // ------------------------------------------------------------------ unary

  static void unaryRun(
      UnaryOp op,
      MemorySegment x,
      DType xt,
      long xo,
      long xs,
      MemorySegment y,
      DType yt,
      long yo,
      long ys,
      long n) {
    if (xt == DType.FLOAT32 && yt == DType.FLOAT32 && xs == 1 && ys == 1) {
      unaryF32(op, x, xo, y, yo, n);
      return;
    }
    for (long i = 0; i < n; i++) {
      write(y, yt, yo + i * ys, op.apply(read(x, xt, xo + i * xs)));
    }
  }

  private static FloatVector load(MemorySegment s, long elem) {
    return FloatVector.fromMemorySegment(F, s, elem << 2, NATIVE);
  }

  private static void store(FloatVector v, MemorySegment s, long elem) {
    v.intoMemorySegment(s, elem << 2, NATIVE);
  }

  /** Contiguous float32 unary: one SIMD loop per op, then a scalar tail. */
  private static void unaryF32(
      UnaryOp op, MemorySegment x, long xo, MemorySegment y, long yo, long n) {
    long bound = n - n % L;
    long i = 0;
    FloatVector one = FloatVector.broadcast(F, 1f);
    FloatVector zero = FloatVector.zero(F);
    switch (op) {
      case NEG -> {
        for (; i < bound; i += L) store(load(x, xo + i).neg(), y, yo + i);
      }
      case EXP -> {
        for (; i < bound; i += L) store(load(x, xo + i).lanewise(VectorOperators.EXP), y, yo + i);
      }
      case LOG -> {
        for (; i < bound; i += L) store(load(x, xo + i).lanewise(VectorOperators.LOG), y, yo + i);
      }
      case SQRT -> {
        for (; i < bound; i += L) store(load(x, xo + i).sqrt(), y, yo + i);
      }
      case TANH -> {
        for (; i < bound; i += L) store(load(x, xo + i).lanewise(VectorOperators.TANH), y, yo + i);
      }
      case SIGMOID -> {
        // 1 / (1 + e^-x): for very negative x, e^-x is +inf and the quotient is exactly 0, as it
        // should be.
        for (; i < bound; i += L) {
          store(one.div(one.add(load(x, xo + i).neg().lanewise(VectorOperators.EXP))), y, yo + i);
        }
      }
      case RELU -> {
        for (; i < bound; i += L) store(load(x, xo + i).max(zero), y, yo + i);
      }
      case ABS -> {
        for (; i < bound; i += L) store(load(x, xo + i).abs(), y, yo + i);
      }
      case SIN -> {
        for (; i < bound; i += L) store(load(x, xo + i).lanewise(VectorOperators.SIN), y, yo + i);
      }
      case COS -> {
        for (; i < bound; i += L) store(load(x, xo + i).lanewise(VectorOperators.COS), y, yo + i);
      }
      case SQUARE -> {
        for (; i < bound; i += L) {
          var v = load(x, xo + i);
          store(v.mul(v), y, yo + i);
        }
      }
      case RECIPROCAL -> {
        for (; i < bound; i += L) store(one.div(load(x, xo + i)), y, yo + i);
      }
      // x > 0 is false for NaN, so NaN gives 0, as the scalar definition does.
      case STEP -> {
        for (; i < bound; i += L)
          store(zero.blend(one, load(x, xo + i).compare(VectorOperators.GT, zero)), y, yo + i);
      }
      case SIGN -> {
        // Start from x itself so that ±0 and NaN come out unchanged, as Math.signum has it.
        FloatVector minusOne = FloatVector.broadcast(F, -1f);
        for (; i < bound; i += L) {
          var v = load(x, xo + i);
          store(
              v.blend(one, v.compare(VectorOperators.GT, zero))
                  .blend(minusOne, v.compare(VectorOperators.LT, zero)),
              y,
              yo + i);
        }
      }
    }
    for (; i < n; i++) {
      y.setAtIndex(FLOAT, yo + i, (float) op.apply(x.getAtIndex(FLOAT, xo + i)));
    }
  }

  // ------------------------------------------------------------------ binary

  static void binaryRun(
      BinaryOp op,
      MemorySegment a,
      DType at,
      long ao,
      long as,
      MemorySegment b,
      DType bt,
      long bo,
      long bs,
      MemorySegment y,
      DType yt,
      long yo,
      long ys,
      long n) {
    if (at == DType.FLOAT32
        && bt == DType.FLOAT32
        && yt == DType.FLOAT32
        && ys == 1
        && (as == 1 || as == 0)
        && (bs == 1 || bs == 0)) {
      binaryF32(op, a, ao, as == 0, b, bo, bs == 0, y, yo, n);
      return;
    }
    for (long i = 0; i < n; i++) {
      write(y, yt, yo + i * ys, op.apply(read(a, at, ao + i * as), read(b, bt, bo + i * bs)));
    }
  }

  /**
   * float32 binary over a run where each input is either contiguous or a single broadcast value.
   * The {@code aScalar}/{@code bScalar} tests are loop-invariant, which the JIT unswitches.
   *
   * <p>Why one method per operation: with all of them in one method, C2 compiled it for the
   * operations and broadcast forms it had seen so far, and compiled all of it again (with every
   * vector loop inlined) each time another one came along: six times during a first Iris fit, made
   * not entrant by an uncommon trap each time. Each method now has a profile of its own, and its
   * scalar tail applies its operation directly rather than through {@link BinaryOp#apply}'s switch.
   * A run shorter than one vector (most of a small model's) skips the vector code.
   */
  private static void binaryF32(
      BinaryOp op,
      MemorySegment a,
      long ao,
      boolean aScalar,
      MemorySegment b,
      long bo,
      boolean bScalar,
      MemorySegment y,
      long yo,
      long n) {
    switch (op) {
      case ADD -> addF32(a, ao, aScalar, b, bo, bScalar, y, yo, n);
      case SUB -> subF32(a, ao, aScalar, b, bo, bScalar, y, yo, n);
      case MUL -> mulF32(a, ao, aScalar, b, bo, bScalar, y, yo, n);
      case DIV -> divF32(a, ao, aScalar, b, bo, bScalar, y, yo, n);
      case MAX -> maxF32(a, ao, aScalar, b, bo, bScalar, y, yo, n);
      case MIN -> minF32(a, ao, aScalar, b, bo, bScalar, y, yo, n);
      default -> otherF32(op, a, ao, aScalar, b, bo, bScalar, y, yo, n);
    }
  }

  private static FloatVector operand(
      MemorySegment s, long o, boolean scalar, FloatVector c, long i) {
    return scalar ? c : load(s, o + i);
  }

  private static FloatVector broadcastIf(boolean scalar, MemorySegment s, long o) {
    return scalar ? FloatVector.broadcast(F, s.getAtIndex(FLOAT, o)) : null;
  }

  private static float at(MemorySegment s, long o, boolean scalar, long i) {
    return s.getAtIndex(FLOAT, scalar ? o : o + i);
  }

  private static void addF32(
      MemorySegment a,
      long ao,
      boolean aScalar,
      MemorySegment b,
      long bo,
      boolean bScalar,
      MemorySegment y,
      long yo,
      long n) {
    long i = 0;
    if (n >= L) {
      FloatVector ca = broadcastIf(aScalar, a, ao), cb = broadcastIf(bScalar, b, bo);
      for (long bound = n - n % L; i < bound; i += L) {
        store(operand(a, ao, aScalar, ca, i).add(operand(b, bo, bScalar, cb, i)), y, yo + i);
      }
    }
    for (; i < n; i++) {
      float va = at(a, ao, aScalar, i), vb = at(b, bo, bScalar, i);
      y.setAtIndex(FLOAT, yo + i, va + vb);
    }
  }

  private static void subF32(
      MemorySegment a,
      long ao,
      boolean aScalar,
      MemorySegment b,
      long bo,
      boolean bScalar,
      MemorySegment y,
      long yo,
      long n) {
    long i = 0;
    if (n >= L) {
      FloatVector ca = broadcastIf(aScalar, a, ao), cb = broadcastIf(bScalar, b, bo);
      for (long bound = n - n % L; i < bound; i += L) {
        store(operand(a, ao, aScalar, ca, i).sub(operand(b, bo, bScalar, cb, i)), y, yo + i);
      }
    }
    for (; i < n; i++) {
      float va = at(a, ao, aScalar, i), vb = at(b, bo, bScalar, i);
      y.setAtIndex(FLOAT, yo + i, va - vb);
    }
  }

  private static void mulF32(
      MemorySegment a,
      long ao,
      boolean aScalar,
      MemorySegment b,
      long bo,
      boolean bScalar,
      MemorySegment y,
      long yo,
      long n) {
    long i = 0;
    if (n >= L) {
      FloatVector ca = broadcastIf(aScalar, a, ao), cb = broadcastIf(bScalar, b, bo);
      for (long bound = n - n % L; i < bound; i += L) {
        store(operand(a, ao, aScalar, ca, i).mul(operand(b, bo, bScalar, cb, i)), y, yo + i);
      }
    }
    for (; i < n; i++) {
      float va = at(a, ao, aScalar, i), vb = at(b, bo, bScalar, i);
      y.setAtIndex(FLOAT, yo + i, va * vb);
    }
  }

  private static void divF32(
      MemorySegment a,
      long ao,
      boolean aScalar,
      MemorySegment b,
      long bo,
      boolean bScalar,
      MemorySegment y,
      long yo,
      long n) {
    long i = 0;
    if (n >= L) {
      FloatVector ca = broadcastIf(aScalar, a, ao), cb = broadcastIf(bScalar, b, bo);
      for (long bound = n - n % L; i < bound; i += L) {
        store(operand(a, ao, aScalar, ca, i).div(operand(b, bo, bScalar, cb, i)), y, yo + i);
      }
    }
    for (; i < n; i++) {
      float va = at(a, ao, aScalar, i), vb = at(b, bo, bScalar, i);
      y.setAtIndex(FLOAT, yo + i, va / vb);
    }
  }

  private static void maxF32(
      MemorySegment a,
      long ao,
      boolean aScalar,
      MemorySegment b,
      long bo,
      boolean bScalar,
      MemorySegment y,
      long yo,
      long n) {
    long i = 0;
    if (n >= L) {
      FloatVector ca = broadcastIf(aScalar, a, ao), cb = broadcastIf(bScalar, b, bo);
      for (long bound = n - n % L; i < bound; i += L) {
        store(operand(a, ao, aScalar, ca, i).max(operand(b, bo, bScalar, cb, i)), y, yo + i);
      }
    }
    for (; i < n; i++) {
      float va = at(a, ao, aScalar, i), vb = at(b, bo, bScalar, i);
      y.setAtIndex(FLOAT, yo + i, Math.max(va, vb));
    }
  }

  private static void minF32(
      MemorySegment a,
      long ao,
      boolean aScalar,
      MemorySegment b,
      long bo,
      boolean bScalar,
      MemorySegment y,
      long yo,
      long n) {
    long i = 0;
    if (n >= L) {
      FloatVector ca = broadcastIf(aScalar, a, ao), cb = broadcastIf(bScalar, b, bo);
      for (long bound = n - n % L; i < bound; i += L) {
        store(operand(a, ao, aScalar, ca, i).min(operand(b, bo, bScalar, cb, i)), y, yo + i);
      }
    }
    for (; i < n; i++) {
      float va = at(a, ao, aScalar, i), vb = at(b, bo, bScalar, i);
      y.setAtIndex(FLOAT, yo + i, Math.min(va, vb));
    }
  }

  /** POW and the comparisons: rarer in training, so they share a method. */
  private static void otherF32(
      BinaryOp op,
      MemorySegment a,
      long ao,
      boolean aScalar,
      MemorySegment b,
      long bo,
      boolean bScalar,
      MemorySegment y,
      long yo,
      long n) {
    long i = 0;
    if (n >= L) {
      FloatVector ca = broadcastIf(aScalar, a, ao), cb = broadcastIf(bScalar, b, bo);
      long bound = n - n % L;
      if (op == BinaryOp.POW) {
        for (; i < bound; i += L) {
          store(
              operand(a, ao, aScalar, ca, i)
                  .lanewise(VectorOperators.POW, operand(b, bo, bScalar, cb, i)),
              y,
              yo + i);
        }
      } else {
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector zero = FloatVector.zero(F);
        var cmp =
            switch (op) {
              case EQ -> VectorOperators.EQ;
              case NE -> VectorOperators.NE;
              case LT -> VectorOperators.LT;
              case LE -> VectorOperators.LE;
              case GT -> VectorOperators.GT;
              default -> VectorOperators.GE;
            };
        for (; i < bound; i += L) {
          var m = operand(a, ao, aScalar, ca, i).compare(cmp, operand(b, bo, bScalar, cb, i));
          store(zero.blend(one, m), y, yo + i);
        }
      }
    }
    for (; i < n; i++) {
      y.setAtIndex(FLOAT, yo + i, (float) op.apply(at(a, ao, aScalar, i), at(b, bo, bScalar, i)));
    }
  }

  // ------------------------------------------------------------------ where, fill, copy

  static void whereRun(
      MemorySegment c,
      DType ct,
      long co,
      long cs,
      MemorySegment a,
      DType at,
      long ao,
      long as,
      MemorySegment b,
      DType bt,
      long bo,
      long bs,
      MemorySegment y,
      DType yt,
      long yo,
      long ys,
      long n) {
    for (long i = 0; i < n; i++) {
      double v =
          read(c, ct, co + i * cs) != 0 ? read(a, at, ao + i * as) : read(b, bt, bo + i * bs);
      write(y, yt, yo + i * ys, v);
    }
  }

  static void fillRun(MemorySegment y, DType yt, long yo, long ys, long n, double value) {
    if (yt == DType.FLOAT32 && ys == 1) {
      FloatVector v = FloatVector.broadcast(F, (float) value);
      long bound = n - n % L;
      long i = 0;
      for (; i < bound; i += L) {
        store(v, y, yo + i);
      }
      for (; i < n; i++) {
        y.setAtIndex(FLOAT, yo + i, (float) value);
      }
      return;
    }
    for (long i = 0; i < n; i++) {
      write(y, yt, yo + i * ys, value);
    }
  }

  static void copyRun(
      MemorySegment x,
      DType xt,
      long xo,
      long xs,
      MemorySegment y,
      DType yt,
      long yo,
      long ys,
      long n) {
    if (xt == yt && xs == 1 && ys == 1) {
      MemorySegment.copy(x, xo * xt.byteSize(), y, yo * yt.byteSize(), n * xt.byteSize());
      return;
    }
    if (xt == yt && xs == 0 && yt == DType.FLOAT32 && ys == 1) {
      fillRun(y, yt, yo, 1, n, x.getAtIndex(FLOAT, xo));
      return;
    }
    for (long i = 0; i < n; i++) {
      write(y, yt, yo + i * ys, read(x, xt, xo + i * xs));
    }
  }
}
