package dev.quiver.runtime.backend.cpu;

import static dev.quiver.runtime.backend.cpu.F32Vectors.F;
import static dev.quiver.runtime.backend.cpu.F32Vectors.FLOAT;
import static dev.quiver.runtime.backend.cpu.F32Vectors.L;
import static dev.quiver.runtime.backend.cpu.F32Vectors.load;
import static dev.quiver.runtime.backend.cpu.F32Vectors.store;

import dev.quiver.runtime.math.ElementwiseMath.UnaryOp;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Contiguous float32 unary operations: one method per operation, each a vector loop and a scalar
 * tail, for the reason {@link BinaryF32} gives (one method for all of them was compiled by C2 for
 * the operations seen so far and again for each new one). The operations a training step runs (relu
 * and its derivative, exp, log, tanh, sigmoid, square, sqrt, neg) have methods of their own; the
 * rest share one. The scalar tails compute in double through the scalar definition, as the other
 * kernels' do.
 */
final class UnaryF32 {
  private UnaryF32() {}

  static void run(UnaryOp op, MemorySegment x, long xo, MemorySegment y, long yo, long n) {
    if (n <= F32Vectors.TINY) {
      tiny(op, x, xo, y, yo, (int) n);
      return;
    }
    long end = n < L ? 0 : n - n % L;
    switch (op) {
      case RELU -> relu(x, xo, y, yo, n, end);
      case STEP -> step(x, xo, y, yo, n, end);
      case EXP -> exp(x, xo, y, yo, n, end);
      case LOG -> log(x, xo, y, yo, n, end);
      case TANH -> tanh(x, xo, y, yo, n, end);
      case SIGMOID -> sigmoid(x, xo, y, yo, n, end);
      case SQUARE -> square(x, xo, y, yo, n, end);
      case SQRT -> sqrt(x, xo, y, yo, n, end);
      case NEG -> neg(x, xo, y, yo, n, end);
      default -> other(op, x, xo, y, yo, n, end);
    }
  }

  /**
   * At most {@link F32Vectors#TINY} floats ({@link F32Vectors#TINY} says why): staged in bulk, a
   * plain loop, copied out in bulk. The arithmetic is the scalar tails'.
   */
  private static void tiny(UnaryOp op, MemorySegment x, long xo, MemorySegment y, long yo, int n) {
    float[] v = F32Vectors.stage().a;
    F32Vectors.read(x, xo, v, 0, n);
    switch (op) {
      case RELU -> reluStaged(v, n);
      case STEP -> stepStaged(v, n);
      case EXP -> expStaged(v, n);
      case SQUARE -> squareStaged(v, n);
      default -> otherStaged(op, v, n);
    }
    F32Vectors.write(v, 0, y, yo, n);
  }

  // One method per operation, as BinaryF32's staged loops: C2 compiles each small, once.
  private static void reluStaged(float[] v, int n) {
    for (int i = 0; i < n; i++) v[i] = v[i] > 0 ? v[i] : 0f;
  }

  private static void stepStaged(float[] v, int n) {
    for (int i = 0; i < n; i++) v[i] = v[i] > 0 ? 1f : 0f;
  }

  private static void expStaged(float[] v, int n) {
    for (int i = 0; i < n; i++) v[i] = (float) Math.exp(v[i]);
  }

  private static void squareStaged(float[] v, int n) {
    for (int i = 0; i < n; i++) v[i] = v[i] * v[i];
  }

  private static void otherStaged(UnaryOp op, float[] v, int n) {
    for (int i = 0; i < n; i++) v[i] = (float) op.apply(v[i]);
  }

  private static float at(MemorySegment x, long xo, long i) {
    return x.getAtIndex(FLOAT, xo + i);
  }

  private static void relu(MemorySegment x, long xo, MemorySegment y, long yo, long n, long end) {
    long i = 0;
    if (end > 0) {
      FloatVector zero = FloatVector.zero(F);
      for (; i < end; i += L) store(load(x, xo + i).max(zero), y, yo + i);
    }
    for (; i < n; i++) {
      float v = at(x, xo, i);
      y.setAtIndex(FLOAT, yo + i, v > 0 ? v : 0f);
    }
  }

  // x > 0 is false for NaN, so NaN gives 0, as the scalar definition does.
  private static void step(MemorySegment x, long xo, MemorySegment y, long yo, long n, long end) {
    long i = 0;
    if (end > 0) {
      FloatVector zero = FloatVector.zero(F);
      FloatVector one = FloatVector.broadcast(F, 1f);
      for (; i < end; i += L) {
        store(zero.blend(one, load(x, xo + i).compare(VectorOperators.GT, zero)), y, yo + i);
      }
    }
    for (; i < n; i++) y.setAtIndex(FLOAT, yo + i, at(x, xo, i) > 0 ? 1f : 0f);
  }

  private static void exp(MemorySegment x, long xo, MemorySegment y, long yo, long n, long end) {
    long i = 0;
    for (; i < end; i += L) store(load(x, xo + i).lanewise(VectorOperators.EXP), y, yo + i);
    for (; i < n; i++) y.setAtIndex(FLOAT, yo + i, (float) Math.exp(at(x, xo, i)));
  }

  private static void log(MemorySegment x, long xo, MemorySegment y, long yo, long n, long end) {
    long i = 0;
    for (; i < end; i += L) store(load(x, xo + i).lanewise(VectorOperators.LOG), y, yo + i);
    for (; i < n; i++) y.setAtIndex(FLOAT, yo + i, (float) Math.log(at(x, xo, i)));
  }

  private static void tanh(MemorySegment x, long xo, MemorySegment y, long yo, long n, long end) {
    long i = 0;
    for (; i < end; i += L) store(load(x, xo + i).lanewise(VectorOperators.TANH), y, yo + i);
    for (; i < n; i++) y.setAtIndex(FLOAT, yo + i, (float) Math.tanh(at(x, xo, i)));
  }

  private static void sigmoid(
      MemorySegment x, long xo, MemorySegment y, long yo, long n, long end) {
    long i = 0;
    if (end > 0) {
      // 1 / (1 + e^-x): for very negative x, e^-x is +inf and the quotient is exactly 0, as it
      // should be.
      FloatVector one = FloatVector.broadcast(F, 1f);
      for (; i < end; i += L) {
        store(one.div(one.add(load(x, xo + i).neg().lanewise(VectorOperators.EXP))), y, yo + i);
      }
    }
    for (; i < n; i++) y.setAtIndex(FLOAT, yo + i, (float) UnaryOp.SIGMOID.apply(at(x, xo, i)));
  }

  private static void square(MemorySegment x, long xo, MemorySegment y, long yo, long n, long end) {
    long i = 0;
    for (; i < end; i += L) {
      FloatVector v = load(x, xo + i);
      store(v.mul(v), y, yo + i);
    }
    for (; i < n; i++) {
      float v = at(x, xo, i);
      y.setAtIndex(FLOAT, yo + i, v * v);
    }
  }

  private static void sqrt(MemorySegment x, long xo, MemorySegment y, long yo, long n, long end) {
    long i = 0;
    for (; i < end; i += L) store(load(x, xo + i).sqrt(), y, yo + i);
    for (; i < n; i++) y.setAtIndex(FLOAT, yo + i, (float) Math.sqrt(at(x, xo, i)));
  }

  private static void neg(MemorySegment x, long xo, MemorySegment y, long yo, long n, long end) {
    long i = 0;
    for (; i < end; i += L) store(load(x, xo + i).neg(), y, yo + i);
    for (; i < n; i++) y.setAtIndex(FLOAT, yo + i, -at(x, xo, i));
  }

  /** ABS, SIN, COS, RECIPROCAL and SIGN: rarer in training, so they share a method. */
  private static void other(
      UnaryOp op, MemorySegment x, long xo, MemorySegment y, long yo, long n, long end) {
    long i = 0;
    if (end > 0) {
      FloatVector zero = FloatVector.zero(F);
      FloatVector one = FloatVector.broadcast(F, 1f);
      switch (op) {
        case ABS -> {
          for (; i < end; i += L) store(load(x, xo + i).abs(), y, yo + i);
        }
        case SIN -> {
          for (; i < end; i += L) store(load(x, xo + i).lanewise(VectorOperators.SIN), y, yo + i);
        }
        case COS -> {
          for (; i < end; i += L) store(load(x, xo + i).lanewise(VectorOperators.COS), y, yo + i);
        }
        case RECIPROCAL -> {
          for (; i < end; i += L) store(one.div(load(x, xo + i)), y, yo + i);
        }
        case SIGN -> {
          // Start from x itself so that ±0 and NaN come out unchanged, as Math.signum has it.
          FloatVector minusOne = FloatVector.broadcast(F, -1f);
          for (; i < end; i += L) {
            FloatVector v = load(x, xo + i);
            store(
                v.blend(one, v.compare(VectorOperators.GT, zero))
                    .blend(minusOne, v.compare(VectorOperators.LT, zero)),
                y,
                yo + i);
          }
        }
        default -> {} // every other operation has its own method; the scalar tail is exact anyway
      }
    }
    for (; i < n; i++) y.setAtIndex(FLOAT, yo + i, (float) op.apply(at(x, xo, i)));
  }
}
