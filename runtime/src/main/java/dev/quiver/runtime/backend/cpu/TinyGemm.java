package dev.quiver.runtime.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The tiniest products (a small classifier's layers: Iris's {@code [16,4]·[4,10]} and the like) as
 * plain array loops, without the Vector API, for a JVM's first {@link #SCALAR_CALLS} of them.
 *
 * <p>Why: until C2 has compiled a Vector API kernel, every vector operation runs the API's generic
 * Java fallback (a lambda, an array and a new vector object per operation), many times slower than
 * a scalar loop in the interpreter or in C1's code, and C2's compile of the vector kernel (inlining
 * and intrinsifying the API) is itself one of the largest of a first fit. A notebook's first fit in
 * a fresh kernel runs most of its steps before C2 gets there. Measured in fresh JVMs with the cell
 * JVM's flags (2026-12-07, 16-float vectors, loaded machine), the README's first Iris fit took
 * about a fifth less CPU with this loop (the fit's own thread, C1 and C2 all less).
 *
 * <p>Once compiled, though, the vector loop is faster (a product about 0.3 µs less, 16- and 8-float
 * vectors), so after {@link #SCALAR_CALLS} tiny products, when a JVM has shown that it runs many (a
 * long training run, a benchmark), they go to {@code Sgemm}'s vector loop, whose compile is then
 * paid once by a JVM that will run it long enough to gain. That is about 40 Iris fits of 100
 * epochs, or the first seconds of a steady-state benchmark's warm-up.
 *
 * <p>The result is the vector loop's to the bit (TinyGemmTest): each element of C is the fused
 * multiply-add chain over k in the same order, starting from zero ({@link Math#fma} is what each
 * lane of {@code FloatVector.fma} computes). {@code -Dquiver.tinyGemm=0} turns this loop off and
 * {@code -Dquiver.tinyGemm.calls=N} moves the switch (for measuring).
 */
final class TinyGemm {
  /**
   * Up to this many multiply-adds a product runs here. Iris's largest is {@code 16·10·8}. At most
   * {@link F32Vectors#STAGE_MAX}: A, B and C each fit the per-thread staging arrays.
   */
  static final long MAX_WORK =
      Math.min(Long.getLong("quiver.tinyGemm", 2048), F32Vectors.STAGE_MAX);

  private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

  private TinyGemm() {}

  /** Tiny products run here until the JVM has run this many; from then on, Sgemm's vector loop. */
  static final long SCALAR_CALLS = Long.getLong("quiver.tinyGemm.calls", 1L << 18);

  /**
   * Tiny products so far. Plain, not atomic: a lost increment when two threads count at once only
   * moves the switch a little later.
   */
  private static long calls;

  /** Whether a product of {@code work} multiply-adds runs here (counts it if so). */
  static boolean takes(long work) {
    if (work > MAX_WORK || calls >= SCALAR_CALLS) {
      return false;
    }
    calls++;
    return true;
  }

  /** C = A·B or C += A·B, as Sgemm's direct loop (same arguments, same result). */
  static void run(
      int m,
      int n,
      int k,
      MemorySegment a,
      long aOff,
      long ars,
      long acs,
      MemorySegment b,
      long bOff,
      long brs,
      long bcs,
      MemorySegment c,
      long cOff,
      long ldc,
      boolean accumulate) {
    F32Vectors.Stage st = F32Vectors.stage();
    float[] as = st.a;
    float[] bt = st.b;
    float[] cs = st.y;
    load(a, aOff, ars, acs, m, k, as, st.c);
    // B transposed (n × k): each element of C is then a dot product of two contiguous rows.
    load(b, bOff, bcs, brs, n, k, bt, st.c);
    int r = 0;
    for (; r + 4 <= m; r += 4) {
      fourRows(as, r * k, k, bt, n, cs, r * n);
    }
    for (; r < m; r++) {
      row(as, r * k, k, bt, n, cs, r * n);
    }
    if (accumulate) {
      // C staged through the shared copies too (a get and a set per element were two more trees of
      // checks in C1's code of this method; see F32Vectors.gatherRows); the same float additions.
      float[] old = st.c;
      F32Vectors.gatherRows(c, cOff, ldc, m, n, old);
      for (int i = 0; i < m * n; i++) {
        cs[i] += old[i];
      }
    }
    F32Vectors.scatterRows(cs, m, n, c, cOff, ldc);
  }

  /**
   * Copies the {@code rows × cols} view at element {@code base} (element strides {@code rs}, {@code
   * cs}) into {@code dst}, row-major and dense. A tiny operand's elements lie in a short span of
   * its segment whatever its layout (a batch's rows, a transposed weight), so the span is copied in
   * one bulk copy into {@code span} and rearranged in a plain loop: one code path for every layout.
   * A view spread wider than the staging array (a few columns of a wide matrix) is read element by
   * element.
   */
  private static void load(
      MemorySegment s, long base, long rs, long cs, int rows, int cols, float[] dst, float[] span) {
    long extent = (rows - 1) * rs + (cols - 1) * cs + 1;
    if (rs < 0 || cs < 0 || extent > span.length) {
      loadElements(s, base, rs, cs, rows, cols, dst);
      return;
    }
    F32Vectors.read(s, base, span, 0, (int) extent);
    int r0 = (int) rs;
    int c0 = (int) cs;
    for (int r = 0, d = 0; r < rows; r++) {
      for (int j = 0, at = r * r0; j < cols; j++, at += c0) {
        dst[d++] = span[at];
      }
    }
  }

  /**
   * A view spread wider than the staging array, element by element: a method of its own, since C1
   * compiles every branch of a method and the common case never comes here.
   */
  private static void loadElements(
      MemorySegment s, long base, long rs, long cs, int rows, int cols, float[] dst) {
    for (int r = 0, d = 0; r < rows; r++) {
      for (int j = 0; j < cols; j++) {
        dst[d++] = s.getAtIndex(FLOAT, base + r * rs + j * cs);
      }
    }
  }

  /**
   * Four rows of C ({@code c} from {@code co}, row stride n) from four rows of A ({@code a} from
   * {@code ao}, row stride k) and B transposed ({@code bt}, {@code n × k}): blocks of four columns,
   * sixteen independent multiply-add chains in registers, each element of A and of B loaded once
   * per step of k; then the last columns one at a time, four chains.
   */
  private static void fourRows(float[] a, int ao, int k, float[] bt, int n, float[] c, int co) {
    int a0 = ao;
    int a1 = a0 + k;
    int a2 = a1 + k;
    int a3 = a2 + k;
    int j = 0;
    for (; j + 4 <= n; j += 4) {
      int b0 = j * k;
      int b1 = b0 + k;
      int b2 = b1 + k;
      int b3 = b2 + k;
      float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f;
      float c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
      float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f;
      float c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;
      for (int p = 0; p < k; p++) {
        float x0 = a[a0 + p];
        float x1 = a[a1 + p];
        float x2 = a[a2 + p];
        float x3 = a[a3 + p];
        float y0 = bt[b0 + p];
        float y1 = bt[b1 + p];
        float y2 = bt[b2 + p];
        float y3 = bt[b3 + p];
        c00 = Math.fma(x0, y0, c00);
        c01 = Math.fma(x0, y1, c01);
        c02 = Math.fma(x0, y2, c02);
        c03 = Math.fma(x0, y3, c03);
        c10 = Math.fma(x1, y0, c10);
        c11 = Math.fma(x1, y1, c11);
        c12 = Math.fma(x1, y2, c12);
        c13 = Math.fma(x1, y3, c13);
        c20 = Math.fma(x2, y0, c20);
        c21 = Math.fma(x2, y1, c21);
        c22 = Math.fma(x2, y2, c22);
        c23 = Math.fma(x2, y3, c23);
        c30 = Math.fma(x3, y0, c30);
        c31 = Math.fma(x3, y1, c31);
        c32 = Math.fma(x3, y2, c32);
        c33 = Math.fma(x3, y3, c33);
      }
      int o = co + j;
      put4(c, o, c00, c01, c02, c03);
      put4(c, o + n, c10, c11, c12, c13);
      put4(c, o + 2 * n, c20, c21, c22, c23);
      put4(c, o + 3 * n, c30, c31, c32, c33);
    }
    for (; j < n; j++) {
      int b0 = j * k;
      float c0 = 0f, c1 = 0f, c2 = 0f, c3 = 0f;
      for (int p = 0; p < k; p++) {
        float y = bt[b0 + p];
        c0 = Math.fma(a[a0 + p], y, c0);
        c1 = Math.fma(a[a1 + p], y, c1);
        c2 = Math.fma(a[a2 + p], y, c2);
        c3 = Math.fma(a[a3 + p], y, c3);
      }
      c[co + j] = c0;
      c[co + n + j] = c1;
      c[co + 2 * n + j] = c2;
      c[co + 3 * n + j] = c3;
    }
  }

  private static void put4(float[] c, int o, float v0, float v1, float v2, float v3) {
    c[o] = v0;
    c[o + 1] = v1;
    c[o + 2] = v2;
    c[o + 3] = v3;
  }

  /** Row {@code c[co, co + n)} of C (the rows left over from {@link #fourRows}), one chain each. */
  private static void row(float[] a, int ao, int k, float[] bt, int n, float[] c, int co) {
    for (int j = 0; j < n; j++) {
      int b0 = j * k;
      float c0 = 0f;
      for (int p = 0; p < k; p++) {
        c0 = Math.fma(a[ao + p], bt[b0 + p], c0);
      }
      c[co + j] = c0;
    }
  }
}
