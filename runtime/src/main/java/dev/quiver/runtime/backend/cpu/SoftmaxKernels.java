package dev.quiver.runtime.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * log-softmax of float32 rows in one pass over each row: its maximum, log-sum-exp, and the shifted
 * result. The composed form takes about ten tensor ops and as many temporaries, which is most of a
 * small classifier's loss.
 */
final class SoftmaxKernels {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
  private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

  private SoftmaxKernels() {}

  /** out[r, :] = x[r, :] - logsumexp(x[r, :]) for {@code rows} dense rows of length n. */
  static void logSoftmaxRows(
      MemorySegment x, long xo, MemorySegment y, long yo, long rows, long n) {
    if (n < L && rows * n <= F32Vectors.STAGE_MAX) {
      shortRows(x, xo, y, yo, (int) rows, (int) n);
      return;
    }
    long bound = n - n % L;
    for (long r = 0; r < rows; r++) {
      long xr = xo + r * n;
      long yr = yo + r * n;
      float max = Float.NEGATIVE_INFINITY;
      boolean nan = false;
      for (long i = 0; i < n; i++) {
        float v = x.getAtIndex(FLOAT, xr + i);
        nan |= v != v;
        max = Math.max(max, v);
      }
      // The same conventions as the composed form: NaN spreads to the row, and an all -inf row
      // is shifted by 0 so that -inf - -inf does not appear in the sum.
      float shift = nan ? Float.NaN : (max == Float.NEGATIVE_INFINITY ? 0f : max);
      FloatVector vShift = FloatVector.broadcast(F, shift);
      FloatVector acc = FloatVector.zero(F);
      long i = 0;
      for (; i < bound; i += L) {
        acc =
            acc.add(
                FloatVector.fromMemorySegment(F, x, (xr + i) << 2, NATIVE)
                    .sub(vShift)
                    .lanewise(VectorOperators.EXP));
      }
      double sum = acc.reduceLanes(VectorOperators.ADD);
      for (; i < n; i++) {
        sum += Math.exp(x.getAtIndex(FLOAT, xr + i) - shift);
      }
      float lse = (float) (shift + Math.log(sum));
      FloatVector vLse = FloatVector.broadcast(F, lse);
      i = 0;
      for (; i < bound; i += L) {
        FloatVector.fromMemorySegment(F, x, (xr + i) << 2, NATIVE)
            .sub(vLse)
            .intoMemorySegment(y, (yr + i) << 2, NATIVE);
      }
      for (; i < n; i++) {
        y.setAtIndex(FLOAT, yr + i, x.getAtIndex(FLOAT, xr + i) - lse);
      }
    }
  }

  /**
   * Rows shorter than a vector (a 3-class classifier's), staged through an array: the same
   * arithmetic as the scalar parts of the loop above (the vector sum of an empty row is 0), so the
   * same results to the bit, without a vector set up and reduced per row for nothing.
   */
  private static void shortRows(
      MemorySegment x, long xo, MemorySegment y, long yo, int rows, int n) {
    F32Vectors.Stage st = F32Vectors.stage();
    float[] xs = st.a;
    float[] ys = st.y;
    F32Vectors.read(x, xo, xs, 0, rows * n);
    for (int r = 0, o = 0; r < rows; r++, o += n) {
      shortRow(xs, ys, o, n);
    }
    F32Vectors.write(ys, 0, y, yo, rows * n);
  }

  /**
   * One short row of {@link #shortRows}, from {@code xs[o]} into {@code ys[o]}. A method of its own
   * (called once a row) so that the JIT compiles it once, as a whole, where its three loops inside
   * a batch's loop over rows were each compiled on their own stack replacement (three C2 compiles
   * in a larger model's first fit).
   */
  private static void shortRow(float[] xs, float[] ys, int o, int n) {
    float max = Float.NEGATIVE_INFINITY;
    boolean nan = false;
    for (int i = o; i < o + n; i++) {
      float v = xs[i];
      nan |= v != v;
      max = Math.max(max, v);
    }
    float shift = nan ? Float.NaN : (max == Float.NEGATIVE_INFINITY ? 0f : max);
    double sum = 0;
    for (int i = o; i < o + n; i++) {
      sum += Math.exp(xs[i] - shift);
    }
    float lse = (float) (shift + Math.log(sum));
    for (int i = o; i < o + n; i++) {
      ys[i] = xs[i] - lse;
    }
  }
}
