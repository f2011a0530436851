package dev.quiver.runtime.backend.cpu;

import static dev.quiver.runtime.backend.cpu.F32Vectors.F;
import static dev.quiver.runtime.backend.cpu.F32Vectors.L;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.backend.View;
import dev.quiver.runtime.math.ElementwiseMath.BinaryOp;
import dev.quiver.runtime.math.ElementwiseMath.UnaryOp;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Elementwise ops whose result is on the Java heap: a small GC-managed float32 tensor's {@code
 * float[]} ({@code -Dquiver.memory.heap=true}, see {@code HostStorage.heapFloats()}), what a
 * notebook's ops outside any scope make.
 *
 * <p>Why a path of their own: a heap segment must never reach {@code
 * FloatVector.fromMemorySegment}/{@code intoMemorySegment}. Their type profiles live in JDK methods
 * every caller shares, and once those have seen a heap segment, C2 stops intrinsifying them for
 * native memory too: an MLP's training step was 4-6 times slower. So heap operands are read and
 * written as arrays here: the common arithmetic ({@code add}, {@code sub}, {@code mul}, {@code
 * div}, {@code max}, {@code min}) by {@code FloatVector.fromArray}/{@code intoArray} loops; every
 * other dense or one-value-broadcast op through a per-thread native scratch: heap operands copied
 * in, the native kernel, the result copied back, so its values are the native path's to the bit; a
 * native operand is copied in bulk into a staging array or read where it is. Other forms (a strided
 * or row-broadcast operand), native results and other kernels take the native path, whose {@code
 * View.hostSegment()} moves a heap tensor to native memory for good.
 */
final class HeapF32 {
  private HeapF32() {}

  /** Per-thread native scratch: one {@link F32Vectors#STAGE_MAX} floats' slot per operand. */
  private static final ThreadLocal<MemorySegment> SCRATCH =
      ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(3L * F32Vectors.STAGE_MAX * 4, 64));

  /**
   * {@code a op b} into {@code out} when {@code out} is on the heap and the op has a heap form
   * here; false (nothing done) otherwise. A native result (a scope's tensor) takes the native path,
   * which moves its heap operands to native memory: a tensor made outside a scope and used in one
   * (data, a model's parameters) is long-lived, and from then on every op on it is native.
   */
  static boolean binary(BinaryOp op, View a, View b, View out) {
    float[] yh = out.heapFloats();
    if (yh == null) {
      return false;
    }
    float[] ah = a.heapFloats();
    float[] bh = b.heapFloats();
    long n = out.numel();
    int af = form(a, n);
    int bf = form(b, n);
    if (af == NONE || bf == NONE || !out.isContiguous() || !floats(out, n)) {
      return false;
    }
    if (af == RUN && bf == RUN && n > F32Vectors.TINY && arithmetic(op)) {
      F32Vectors.Stage st = F32Vectors.stage();
      float[] x = ah != null ? ah : in(a, st.a, n);
      float[] z = bh != null ? bh : in(b, st.b, n);
      float[] y = yh;
      int xo = ah != null ? (int) a.offset() : 0;
      int zo = bh != null ? (int) b.offset() : 0;
      int yo = (int) out.offset();
      int m = (int) n;
      dense(op, x, xo, z, zo, y, yo, m);
      return true;
    }
    MemorySegment s = SCRATCH.get();
    MemorySegment am = ah != null ? scratch(s, 0, ah, a, af, n) : a.hostSegment();
    MemorySegment bm = bh != null ? scratch(s, 1, bh, b, bf, n) : b.hostSegment();
    MemorySegment ym = slot(s, 2);
    BinaryF32.run(
        op,
        am,
        ah != null ? 0 : a.offset(),
        af == ONE,
        bm,
        bh != null ? 0 : b.offset(),
        bf == ONE,
        ym,
        0,
        n);
    back(ym, yh, out, n);
    return true;
  }

  /** {@code op(x)} into {@code out} when {@code out} is on the heap; false otherwise. */
  static boolean unary(UnaryOp op, View x, View out) {
    float[] yh = out.heapFloats();
    if (yh == null) {
      return false;
    }
    float[] xh = x.heapFloats();
    long n = out.numel();
    if (form(x, n) != RUN || !out.isContiguous() || !floats(out, n)) {
      return false;
    }
    MemorySegment s = SCRATCH.get();
    MemorySegment xm = xh != null ? scratch(s, 0, xh, x, RUN, n) : x.hostSegment();
    MemorySegment ym = slot(s, 2);
    UnaryF32.run(op, xm, xh != null ? 0 : x.offset(), ym, 0, n);
    back(ym, yh, out, n);
    return true;
  }

  /** Fills a dense heap tensor; false for anything else. */
  static boolean fill(View out, double value) {
    float[] yh = out.heapFloats();
    if (yh == null || !out.isContiguous() || out.dtype() != DType.FLOAT32) {
      return false;
    }
    int yo = (int) out.offset();
    Arrays.fill(yh, yo, yo + (int) out.numel(), (float) value);
    return true;
  }

  /** A dense float32 copy with a heap side: one bulk copy; false for anything else. */
  static boolean copy(View src, View out) {
    if (src.heapFloats() == null && out.heapFloats() == null
        || src.dtype() != DType.FLOAT32
        || out.dtype() != DType.FLOAT32
        || !src.isContiguous()
        || !out.isContiguous()) {
      return false;
    }
    F32Vectors.copyBytes(
        src.hostMemory(),
        src.offset() << 2,
        0,
        out.hostMemory(),
        out.offset() << 2,
        0,
        1,
        out.numel() << 2);
    return true;
  }

  /** An operand's form: {@link #NONE} (not float32, or strided), {@link #RUN} or {@link #ONE}. */
  private static final int NONE = 0;

  /** Dense: {@code n} consecutive floats. */
  private static final int RUN = 1;

  /** One value broadcast over every element (all strides 0). */
  private static final int ONE = 2;

  private static int form(View v, long n) {
    if (v.dtype() != DType.FLOAT32 || n > F32Vectors.STAGE_MAX) {
      return NONE;
    }
    if (v.isContiguous()) {
      return v.numel() == n ? RUN : NONE;
    }
    for (int i = 0; i < v.dim(); i++) {
      if (v.stride(i) != 0) {
        return NONE;
      }
    }
    return ONE;
  }

  private static boolean floats(View out, long n) {
    return out.dtype() == DType.FLOAT32 && n <= F32Vectors.STAGE_MAX;
  }

  private static MemorySegment slot(MemorySegment s, int k) {
    return s.asSlice((long) k * F32Vectors.STAGE_MAX * 4, (long) F32Vectors.STAGE_MAX * 4);
  }

  /** A heap operand's floats (n, or one for {@link #ONE}) copied into scratch slot {@code k}. */
  private static MemorySegment scratch(
      MemorySegment s, int k, float[] h, View v, int form, long n) {
    MemorySegment slot = slot(s, k);
    F32Vectors.write(h, (int) v.offset(), slot, 0, form == ONE ? 1 : (int) n);
    return slot;
  }

  /** A heap result computed in scratch: copied into its array. */
  private static void back(MemorySegment ym, float[] yh, View out, long n) {
    F32Vectors.read(ym, 0, yh, (int) out.offset(), (int) n);
  }

  /** A native operand of the array loops: copied into a staging array. */
  private static float[] in(View v, float[] stage, long n) {
    F32Vectors.read(v.hostSegment(), v.offset(), stage, 0, (int) n);
    return stage;
  }

  private static boolean arithmetic(BinaryOp op) {
    return switch (op) {
      case ADD, SUB, MUL, DIV, MAX, MIN -> true;
      default -> false;
    };
  }

  private static FloatVector v(float[] a, int i) {
    return FloatVector.fromArray(F, a, i);
  }

  /**
   * {@code n} floats of {@code a op b}: the native path's vector loop on arrays, then its scalar
   * tail (computed in double and rounded: the same float for these six operations). The operation
   * is chosen inside the loop, each case with its own constant operator and its own store: a loop
   * taking the operator as a {@code VectorOperators.Binary} argument was compiled on its own,
   * without the intrinsics (8 times slower), and never inlined.
   */
  private static void dense(
      BinaryOp op, float[] a, int ao, float[] b, int bo, float[] y, int yo, int n) {
    int i = 0;
    for (int end = n - n % L; i < end; i += L) {
      FloatVector x = FloatVector.fromArray(F, a, ao + i);
      FloatVector z = FloatVector.fromArray(F, b, bo + i);
      switch (op) {
        case ADD -> x.add(z).intoArray(y, yo + i);
        case SUB -> x.sub(z).intoArray(y, yo + i);
        case MUL -> x.mul(z).intoArray(y, yo + i);
        case DIV -> x.div(z).intoArray(y, yo + i);
        case MAX -> x.max(z).intoArray(y, yo + i);
        default -> x.min(z).intoArray(y, yo + i);
      }
    }
    for (; i < n; i++) {
      y[yo + i] = (float) op.apply(a[ao + i], b[bo + i]);
    }
  }
}
