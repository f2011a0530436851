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
    long bound = n - n % L;
    long i = 0;
    FloatVector ca = aScalar ? FloatVector.broadcast(F, a.getAtIndex(FLOAT, ao)) : null;
    FloatVector cb = bScalar ? FloatVector.broadcast(F, b.getAtIndex(FLOAT, bo)) : null;
    switch (op) {
      case ADD -> {
        for (; i < bound; i += L) {
          store((aScalar ? ca : load(a, ao + i)).add(bScalar ? cb : load(b, bo + i)), y, yo + i);
        }
      }
      case SUB -> {
        for (; i < bound; i += L) {
          store((aScalar ? ca : load(a, ao + i)).sub(bScalar ? cb : load(b, bo + i)), y, yo + i);
        }
      }
      case MUL -> {
        for (; i < bound; i += L) {
          store((aScalar ? ca : load(a, ao + i)).mul(bScalar ? cb : load(b, bo + i)), y, yo + i);
        }
      }
      case DIV -> {
        for (; i < bound; i += L) {
          store((aScalar ? ca : load(a, ao + i)).div(bScalar ? cb : load(b, bo + i)), y, yo + i);
        }
      }
      case MAX -> {
        for (; i < bound; i += L) {
          store((aScalar ? ca : load(a, ao + i)).max(bScalar ? cb : load(b, bo + i)), y, yo + i);
        }
      }
      case MIN -> {
        for (; i < bound; i += L) {
          store((aScalar ? ca : load(a, ao + i)).min(bScalar ? cb : load(b, bo + i)), y, yo + i);
        }
      }
      case POW -> {
        for (; i < bound; i += L) {
          store(
              (aScalar ? ca : load(a, ao + i))
                  .lanewise(VectorOperators.POW, bScalar ? cb : load(b, bo + i)),
              y,
              yo + i);
        }
      }
      case EQ, NE, LT, LE, GT, GE -> {
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
          var m = (aScalar ? ca : load(a, ao + i)).compare(cmp, bScalar ? cb : load(b, bo + i));
          store(zero.blend(one, m), y, yo + i);
        }
      }
    }
    for (; i < n; i++) {
      float va = a.getAtIndex(FLOAT, aScalar ? ao : ao + i);
      float vb = b.getAtIndex(FLOAT, bScalar ? bo : bo + i);
      y.setAtIndex(FLOAT, yo + i, (float) op.apply(va, vb));
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
