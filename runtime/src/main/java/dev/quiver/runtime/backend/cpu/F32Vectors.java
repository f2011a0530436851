package dev.quiver.runtime.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 vector access the elementwise kernels share ({@link ElementwiseKernels}, {@link
 * UnaryF32}, {@link BinaryF32}): the preferred species, and loads and stores of native memory by
 * element index.
 */
final class F32Vectors {
  static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  static final int L = F.length();
  static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

  /**
   * Up to this many floats, short rows (shorter than a vector) are staged through the per-thread
   * arrays of {@link #stage}: a bulk copy in, a plain loop, a bulk copy out cost less than reading
   * and writing each float through the segment's checked accessors.
   */
  static final int STAGE_MAX = 4096;

  /**
   * Up to this many floats, a whole operation (a small layer's activations, a bias, its gradient)
   * is staged and runs as a plain loop, without the Vector API. Until C2 has compiled a vector
   * kernel, each vector operation runs the API's generic Java fallback, many times slower than a
   * plain loop in the interpreter or C1's code; a fresh kernel's first fit of a small model runs
   * most of its steps before then. Compiled, a plain loop over so few floats costs about what the
   * vector loop does: the call around it costs more than either.
   */
  static final int TINY = 256;

  /** Per-thread staging arrays of {@link #STAGE_MAX} floats for short rows. */
  static final class Stage {
    final float[] a = new float[STAGE_MAX];
    final float[] b = new float[STAGE_MAX];
    final float[] y = new float[STAGE_MAX];
    final float[] c = new float[STAGE_MAX];
  }

  private static final ThreadLocal<Stage> STAGE = ThreadLocal.withInitial(Stage::new);

  private F32Vectors() {}

  static Stage stage() {
    return STAGE.get();
  }

  /**
   * Copies {@code rows} runs of {@code n} floats, run {@code r} at element {@code o + r·rowStride},
   * into {@code dst} from index {@code at} as consecutive rows; a row stride of 0 copies one row (a
   * broadcast row).
   *
   * <p>This and {@link #scatterRows} are the staged kernels' only bulk copies between a segment and
   * an array, each with a single call of {@code MemorySegment.copy}, and their bytecode stays over
   * C1's inlining limit (35 bytes): C1 inlines that call's whole tree of force-inlined checks
   * (15-25 KB of machine code) at every call site, and a fresh JVM's first fit used to compile some
   * thirty such sites (an Adam block alone held seven: 120 KB), all of it C1's time in a notebook's
   * first fit. Now C1 compiles the tree once here; C2 inlines these small methods at its hot call
   * sites as it did the copies.
   */
  static void gatherRows(
      MemorySegment s, long o, long rowStride, long rows, int n, float[] dst, int at) {
    boolean oneRun = rowStride == n || rowStride == 0;
    int runs = oneRun ? 1 : (int) rows;
    int len = rowStride == n ? (int) rows * n : n;
    for (int r = 0; r < runs; r++) {
      MemorySegment.copy(s, FLOAT, (o + r * rowStride) << 2, dst, at + r * n, len);
    }
  }

  /** {@link #gatherRows} into {@code dst} from index 0. */
  static void gatherRows(MemorySegment s, long o, long rowStride, long rows, int n, float[] dst) {
    gatherRows(s, o, rowStride, rows, n, dst, 0);
  }

  /**
   * The inverse of {@link #gatherRows} for a result ({@code rowStride} is never 0): the rows from
   * index {@code at} of {@code src}.
   */
  static void scatterRows(
      float[] src, int at, long rows, int n, MemorySegment s, long o, long rowStride) {
    boolean oneRun = rowStride == n;
    int runs = oneRun ? 1 : (int) rows;
    int len = oneRun ? (int) rows * n : n;
    for (int r = 0; r < runs; r++) {
      MemorySegment.copy(src, at + r * n, s, FLOAT, (o + r * rowStride) << 2, len);
    }
  }

  /** {@link #scatterRows} from index 0 of {@code src}. */
  static void scatterRows(float[] src, long rows, int n, MemorySegment s, long o, long rowStride) {
    scatterRows(src, 0, rows, n, s, o, rowStride);
  }

  /**
   * Copies {@code runs} runs of {@code runBytes} bytes, run {@code r} from byte {@code from +
   * r·fromStride} of {@code src} to byte {@code to + r·toStride} of {@code dst}: the kernels'
   * copies between segments, with one call of {@code MemorySegment.copy} (its segment-to-segment
   * form inlines into C1's largest tree; see {@link #gatherRows}).
   */
  static void copyBytes(
      MemorySegment src,
      long from,
      long fromStride,
      MemorySegment dst,
      long to,
      long toStride,
      long runs,
      long runBytes) {
    for (long r = 0; r < runs; r++) {
      MemorySegment.copy(src, from + r * fromStride, dst, to + r * toStride, runBytes);
    }
  }

  /**
   * {@code n} floats from element {@code o} of {@code s} into {@code dst} from index {@code at}.
   */
  static void read(MemorySegment s, long o, float[] dst, int at, int n) {
    gatherRows(s, o, n, 1, n, dst, at);
  }

  /** {@code n} floats of {@code src} from index {@code at} to element {@code o} of {@code s}. */
  static void write(float[] src, int at, MemorySegment s, long o, int n) {
    scatterRows(src, at, 1, n, s, o, n);
  }

  static FloatVector load(MemorySegment s, long elem) {
    return FloatVector.fromMemorySegment(F, s, elem << 2, NATIVE);
  }

  static void store(FloatVector v, MemorySegment s, long elem) {
    v.intoMemorySegment(s, elem << 2, NATIVE);
  }

  /** Every lane the float32 at {@code elem}. */
  static FloatVector splat(MemorySegment s, long elem) {
    return FloatVector.broadcast(F, s.getAtIndex(FLOAT, elem));
  }
}
