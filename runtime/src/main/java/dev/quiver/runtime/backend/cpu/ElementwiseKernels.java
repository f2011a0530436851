package dev.quiver.runtime.backend.cpu;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.math.ElementwiseMath.BinaryOp;
import dev.quiver.runtime.math.ElementwiseMath.UnaryOp;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise kernels over innermost runs (see {@link StridedLoop}).
 *
 * <p>float32 runs whose strides are 0 or 1 go through the Vector API straight on native memory;
 * everything else (float64, int32, odd strides) takes a scalar path that computes in double. The
 * scalar definitions in {@link UnaryOp#apply} and {@link BinaryOp#apply} are the reference; the
 * vector paths must agree with them to float rounding.
 *
 * <p>Contiguous float32 runs go to {@link UnaryF32} and {@link BinaryF32}: a method per operation,
 * each with its own vector loops, so the JIT sees a constant operator, emits straight-line SIMD
 * code, and compiles each operation once.
 */
final class ElementwiseKernels {
  private static final VectorSpecies<Float> F = F32Vectors.F;
  private static final int L = F32Vectors.L;
  private static final ValueLayout.OfFloat FLOAT = F32Vectors.FLOAT;

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
      UnaryF32.run(op, x, xo, y, yo, n);
      return;
    }
    for (long i = 0; i < n; i++) {
      write(y, yt, yo + i * ys, op.apply(read(x, xt, xo + i * xs)));
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
      BinaryF32.run(op, a, ao, as == 0, b, bo, bs == 0, y, yo, n);
      return;
    }
    for (long i = 0; i < n; i++) {
      write(y, yt, yo + i * ys, op.apply(read(a, at, ao + i * as), read(b, bt, bo + i * bs)));
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
    if (yt == DType.FLOAT32 && ys == 1 && n <= F32Vectors.TINY) {
      fillStaged(y, yo, (int) n, (float) value);
    } else if (yt == DType.FLOAT32 && ys == 1) {
      fillVector(y, yo, n, (float) value);
    } else {
      for (long i = 0; i < n; i++) {
        write(y, yt, yo + i * ys, value);
      }
    }
  }

  /**
   * A few floats (F32Vectors.TINY says why): a plain fill of a staging array, one bulk copy. Each
   * path of fillRun is a method of its own: C1 compiles every branch of a method, and the vector
   * loop's code is large and never runs in a small model's fit.
   */
  private static void fillStaged(MemorySegment y, long yo, int n, float value) {
    float[] v = F32Vectors.stage().y;
    Arrays.fill(v, 0, n, value);
    F32Vectors.write(v, 0, y, yo, n);
  }

  private static void fillVector(MemorySegment y, long yo, long n, float value) {
    FloatVector v = FloatVector.broadcast(F, value);
    long bound = n - n % L;
    long i = 0;
    for (; i < bound; i += L) {
      F32Vectors.store(v, y, yo + i);
    }
    for (; i < n; i++) {
      y.setAtIndex(FLOAT, yo + i, value);
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
      long b = xt.byteSize();
      F32Vectors.copyBytes(x, xo * b, 0, y, yo * b, 0, 1, n * b);
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
