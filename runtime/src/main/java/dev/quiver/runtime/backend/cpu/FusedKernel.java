package dev.quiver.runtime.backend.cpu;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.backend.ElementwiseProgram;
import dev.quiver.runtime.backend.View;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Evaluates an {@link ElementwiseProgram} block by block: each innermost run (see {@link
 * StridedLoop}) is cut into blocks of {@link #BLOCK} elements, and every instruction of the program
 * runs over one block before the next block starts. Intermediates live in per-thread scratch
 * registers of one block each (8 KB), which stay in L1/L2, so main memory sees each input read once
 * and the output written once.
 *
 * <p>Each instruction is the very kernel the unfused op runs ({@link ElementwiseKernels}), so
 * results match the unfused ops; blocks are a multiple of the vector length, so vector and scalar
 * tails fall on the same elements as well for contiguous operands.
 */
final class FusedKernel {
  /**
   * Elements per block: a multiple of every vector length, small enough for a few registers to sit
   * in L1.
   */
  static final int BLOCK = 2048;

  /** Blocks between interrupt checks (about 0.5 M elements). */
  private static final int CHECK_EVERY = 256;

  private static final ThreadLocal<MemorySegment> SCRATCH = new ThreadLocal<>();

  private FusedKernel() {}

  static boolean run(ElementwiseProgram p, View[] inputs, View out) {
    if (out.dtype() != DType.FLOAT32) {
      return false;
    }
    int k = inputs.length;
    MemorySegment[] segs = new MemorySegment[k + 1];
    long[][] strides = new long[k + 1][];
    long[] offsets = new long[k + 1];
    for (int i = 0; i < k; i++) {
      if (inputs[i].dtype() != DType.FLOAT32) {
        return false;
      }
      segs[i] = inputs[i].hostSegment();
      strides[i] = inputs[i].strides();
      offsets[i] = inputs[i].offset();
    }
    segs[k] = out.hostSegment();
    strides[k] = out.strides();
    offsets[k] = out.offset();
    long numel = out.numel();
    if (numel < StridedLoop.PARALLEL_THRESHOLD && allContiguous(inputs, out)) {
      // Every operand dense in the same order (operands come broadcast to out's shape): one run,
      // without planning a loop (the small-op fast path, as the unfused ops have).
      long[] unit = new long[k + 1];
      java.util.Arrays.fill(unit, 1);
      runBlocks(p, segs, unit, offsets, numel);
      return true;
    }
    StridedLoop loop = StridedLoop.of(out.shape(), strides, offsets);
    long[] inner = new long[k + 1];
    for (int i = 0; i <= k; i++) {
      inner[i] = loop.innerStride(i);
    }
    loop.runParallel("fused", (off, n) -> runBlocks(p, segs, inner, off, n));
    return true;
  }

  private static boolean allContiguous(View[] inputs, View out) {
    if (!out.isContiguous()) {
      return false;
    }
    for (View v : inputs) {
      if (!v.isContiguous()) {
        return false;
      }
    }
    return true;
  }

  private static MemorySegment scratch(ElementwiseProgram p) {
    long bytes = ((long) p.registers() * BLOCK + p.constants().length) * Float.BYTES;
    MemorySegment s = SCRATCH.get();
    if (s == null || s.byteSize() < bytes) {
      // Freed by the GC with the thread-local; grows to the largest program this thread has run.
      s = Arena.ofAuto().allocate(Math.max(bytes, 4L * BLOCK * Float.BYTES), 64);
      SCRATCH.set(s);
    }
    return s;
  }

  /** One innermost run: operand offsets {@code off}, {@code n} elements. */
  private static void runBlocks(
      ElementwiseProgram p, MemorySegment[] segs, long[] inner, long[] off, long n) {
    MemorySegment s = scratch(p);
    float[] consts = p.constants();
    long constBase = (long) p.registers() * BLOCK;
    for (int j = 0; j < consts.length; j++) {
      s.setAtIndex(ValueLayout.JAVA_FLOAT, constBase + j, consts[j]);
    }
    int outIndex = segs.length - 1;
    int blocks = 0;
    for (long pos = 0; pos < n; pos += BLOCK) {
      long len = Math.min(BLOCK, n - pos);
      for (int i = 0; i < p.length(); i++) {
        int a = p.a()[i];
        int d = p.dst()[i];
        MemorySegment as = seg(a, segs, s);
        long ao = offset(a, segs, off, inner, pos, constBase);
        long ast = stride(a, inner);
        MemorySegment ds = seg(d, segs, s);
        long dOff = offset(d, segs, off, inner, pos, constBase);
        long dst = stride(d, inner);
        switch (p.kind()[i]) {
          case ElementwiseProgram.UNARY ->
              ElementwiseKernels.unaryRun(
                  p.unaryOp(i), as, DType.FLOAT32, ao, ast, ds, DType.FLOAT32, dOff, dst, len);
          case ElementwiseProgram.BINARY -> {
            int b = p.b()[i];
            ElementwiseKernels.binaryRun(
                p.binaryOp(i),
                as,
                DType.FLOAT32,
                ao,
                ast,
                seg(b, segs, s),
                DType.FLOAT32,
                offset(b, segs, off, inner, pos, constBase),
                stride(b, inner),
                ds,
                DType.FLOAT32,
                dOff,
                dst,
                len);
          }
          default ->
              ElementwiseKernels.copyRun(
                  as, DType.FLOAT32, ao, ast, ds, DType.FLOAT32, dOff, dst, len);
        }
      }
      if (++blocks % CHECK_EVERY == 0) {
        Parallel.checkInterrupt("fused elementwise");
      }
    }
  }

  private static MemorySegment seg(int operand, MemorySegment[] segs, MemorySegment scratch) {
    return switch (ElementwiseProgram.where(operand)) {
      case ElementwiseProgram.INPUT -> segs[ElementwiseProgram.index(operand)];
      case ElementwiseProgram.OUT -> segs[segs.length - 1];
      default -> scratch;
    };
  }

  private static long offset(
      int operand, MemorySegment[] segs, long[] off, long[] inner, long pos, long constBase) {
    int i = ElementwiseProgram.index(operand);
    return switch (ElementwiseProgram.where(operand)) {
      case ElementwiseProgram.INPUT -> off[i] + pos * inner[i];
      case ElementwiseProgram.OUT -> off[segs.length - 1] + pos * inner[segs.length - 1];
      case ElementwiseProgram.CONST -> constBase + i;
      default -> (long) i * BLOCK;
    };
  }

  private static long stride(int operand, long[] inner) {
    return switch (ElementwiseProgram.where(operand)) {
      case ElementwiseProgram.INPUT -> inner[ElementwiseProgram.index(operand)];
      case ElementwiseProgram.OUT -> inner[inner.length - 1];
      case ElementwiseProgram.CONST -> 0;
      default -> 1;
    };
  }
}
