package dev.quiver.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reductions, arg-reductions, softmax family and matmul, against references computed here in
 * double.
 */
class ReductionTest {

  static float[] random(long seed, int n) {
    var r = new SplittableRandom(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  /** Sum of a [2,3,4] tensor x[i][j][k] = values[i*12 + j*4 + k] over the given axes, in double. */
  static double[] reference(float[] v, long[] shape, boolean[] reduce) {
    long[] outShape = shape.clone();
    for (int d = 0; d < shape.length; d++) {
      if (reduce[d]) {
        outShape[d] = 1;
      }
    }
    double[] out = new double[Math.toIntExact(Shapes.numel(outShape))];
    long[] idx = new long[shape.length];
    for (int e = 0; e < v.length; e++) {
      long rem = e;
      for (int d = shape.length - 1; d >= 0; d--) {
        idx[d] = rem % shape[d];
        rem /= shape[d];
      }
      long o = 0;
      for (int d = 0; d < shape.length; d++) {
        o = o * outShape[d] + (reduce[d] ? 0 : idx[d]);
      }
      out[(int) o] += v[e];
    }
    return out;
  }

  static void assertClose(double[] want, float[] got, double tol) {
    assertEquals(want.length, got.length);
    for (int i = 0; i < want.length; i++) {
      assertEquals(want[i], got[i], tol, "element " + i);
    }
  }

  @Test
  void sumOverAxesWithAndWithoutKeepDim() {
    long[] shape = {2, 3, 4};
    float[] v = random(1, 24);
    Tensor x = Tensor.of(v, shape);
    assertClose(
        reference(v, shape, new boolean[] {true, true, true}),
        new float[] {(float) x.sum().item()},
        1e-5);
    assertEquals(0, x.sum().dim());
    assertClose(
        reference(v, shape, new boolean[] {false, true, false}), x.sum(1).toFloatArray(), 1e-5);
    assertArrayEquals(new long[] {2, 4}, x.sum(1).shape());
    assertArrayEquals(new long[] {2, 1, 4}, x.sum(1, true).shape());
    assertArrayEquals(new long[] {2, 3, 1}, x.sum(-1, true).shape());
    assertClose(
        reference(v, shape, new boolean[] {true, false, true}),
        x.sum(new int[] {0, 2}, false).toFloatArray(),
        1e-5);
    assertArrayEquals(new long[] {3}, x.sum(new int[] {0, 2}, false).shape());
    assertArrayEquals(new long[] {1, 3, 1}, x.sum(new int[] {-1, 0}, true).shape());
    assertArrayEquals(new long[] {1, 1, 1}, x.sum(new int[] {0, 1, 2}, true).shape());
    // The same sums over a permuted view (the reduction walks strided memory).
    Tensor p = x.permute(2, 0, 1);
    assertClose(
        reference(v, shape, new boolean[] {false, true, false}),
        p.sum(2).transpose().toFloatArray(),
        1e-5);
  }

  @Test
  void meanAndVariance() {
    float[] v = random(2, 15);
    Tensor x = Tensor.of(v, 3, 5);
    for (int i = 0; i < 3; i++) {
      double m = 0;
      for (int j = 0; j < 5; j++) {
        m += v[i * 5 + j];
      }
      m /= 5;
      double var = 0;
      for (int j = 0; j < 5; j++) {
        var += (v[i * 5 + j] - m) * (v[i * 5 + j] - m);
      }
      var /= 5;
      assertEquals(m, x.mean(1).get(i), 1e-6);
      assertEquals(var, x.variance(1, false).get(i), 1e-6);
      assertEquals(var, x.variance(-1, true).get(i, 0), 1e-6);
    }
    assertEquals(2.5, Tensor.of(new float[] {1, 2, 3, 4}).mean().item());
    assertEquals(1.25, Tensor.of(new float[] {1, 2, 3, 4}).variance(0, false).item());
    assertArrayEquals(
        new float[] {2, 3}, Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).mean(0).toFloatArray());
  }

  @ParameterizedTest
  @ValueSource(ints = {1_000_000, 1_000_003})
  void sumOfAMillionElementsIsAccurate(int n) {
    float[] v = new float[n];
    var r = new SplittableRandom(3);
    double exact = 0;
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextDouble();
      exact += v[i];
    }
    double got = Tensor.of(v).sum().item();
    // A naive float loop is off by ~1e-3 relative here; blocked accumulation must do far better.
    assertEquals(exact, got, exact * 1e-6, "sum of " + n + " uniforms");
    assertEquals(n, Tensor.ones(n).sum().item());
    // 0.1 is not exact in binary: a million of them must still come close to 100000.
    assertEquals(n * (double) 0.1f, Tensor.full(0.1, n).sum().item(), n * 0.1 * 1e-6);
    assertEquals(exact / n, Tensor.of(v).mean().item(), exact / n * 1e-6);
    // Strided (every other element of a 2n vector) takes the scalar path.
    float[] spread = new float[2 * n];
    for (int i = 0; i < n; i++) {
      spread[2 * i] = v[i];
      spread[2 * i + 1] = 1e6f;
    }
    assertEquals(exact, Tensor.of(spread).slice(0, 0, 2L * n, 2).sum().item(), exact * 1e-6);
  }

  @Test
  void sumOverTheBatchAxisOfALargeMatrix() {
    int rows = 1000;
    int cols = 1003;
    float[] v = random(4, rows * cols);
    double[] want = new double[cols];
    double[] wantRows = new double[rows];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        want[j] += v[i * cols + j];
        wantRows[i] += v[i * cols + j];
      }
    }
    Tensor x = Tensor.of(v, rows, cols);
    assertClose(want, x.sum(0).toFloatArray(), 1e-3);
    assertClose(wantRows, x.sum(1).toFloatArray(), 1e-3);
    assertClose(want, x.transpose().sum(1).toFloatArray(), 1e-3);
  }

  @Test
  void maxAndMin() {
    float[] v = {3, -1, 7, 2, 7.5f, -8, 0, 1, 5, 4, -2, 6};
    Tensor x = Tensor.of(v, 3, 4);
    assertEquals(7.5, x.max().item());
    assertEquals(-8, x.min().item());
    assertArrayEquals(new float[] {7, 7.5f, 6}, x.max(1).toFloatArray());
    assertArrayEquals(new float[] {7.5f, 4, 7, 6}, x.max(0).toFloatArray());
    assertArrayEquals(new float[] {-1, -8, -2}, x.min(-1).toFloatArray());
    assertArrayEquals(new long[] {3, 1}, x.max(1, true).shape());
    // All-negative values: the identity of max must not leak into the result.
    assertEquals(-0.5, Tensor.of(new float[] {-3, -0.5f, -9}).max().item());
    assertEquals(-0.5, Tensor.of(-3.0, -0.5, -9.0).max().item());
    // Long rows: SIMD body plus tail, the extreme in the tail and in the body.
    float[] longRow = random(5, 1003);
    longRow[1001] = 100;
    longRow[17] = -100;
    assertEquals(100, Tensor.of(longRow).max().item());
    assertEquals(-100, Tensor.of(longRow).min().item());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 5, 16, 40, 99})
  void nanPropagatesInMaxAndMin(int at) {
    float[] v = random(6, 100);
    v[at] = Float.NaN;
    Tensor x = Tensor.of(v);
    assertTrue(Double.isNaN(x.max().item()), "max with NaN at " + at);
    assertTrue(Double.isNaN(x.min().item()), "min with NaN at " + at);
    // Along an axis, only the row that holds the NaN becomes NaN.
    Tensor m = Tensor.of(v, 10, 10).max(1);
    for (int r = 0; r < 10; r++) {
      assertEquals(r == at / 10, Double.isNaN(m.get(r)), "row " + r);
    }
    Tensor c = Tensor.of(v, 10, 10).min(0);
    for (int col = 0; col < 10; col++) {
      assertEquals(col == at % 10, Double.isNaN(c.get(col)), "column " + col);
    }
    // float64 and strided paths.
    double[] d = new double[100];
    for (int i = 0; i < 100; i++) {
      d[i] = v[i];
    }
    assertTrue(Double.isNaN(Tensor.of(d).max().item()));
    assertTrue(Double.isNaN(Tensor.of(v, 10, 10).transpose().max().item()));
    // argmax points at the NaN, as numpy does.
    assertEquals(at, Tensor.of(v).argmax(0).item());
    assertEquals(at, Tensor.of(v).argmin(0).item());
  }

  @Test
  void argmaxAndArgminTiesGoToTheFirstIndex() {
    Tensor x = Tensor.of(new float[] {1, 5, 5, 0, 2, 2, 0, 0, 7, 7, 7, 7}, 3, 4);
    assertArrayEquals(new int[] {1, 0, 0}, x.argmax(1).toIntArray());
    assertArrayEquals(new int[] {3, 2, 0}, x.argmin(1).toIntArray());
    assertArrayEquals(new int[] {2, 2, 2, 2}, x.argmax(0).toIntArray());
    assertArrayEquals(new int[] {0, 1, 1, 0}, x.argmin(0).toIntArray()); // column 3: 0, 0, 7
    assertEquals(DType.INT32, x.argmax(1).dtype());
    assertArrayEquals(new long[] {3}, x.argmax(-1).shape());
    // On a transposed view and an int32 tensor.
    assertArrayEquals(new int[] {2, 2, 2, 2}, x.transpose().argmax(1).toIntArray());
    assertArrayEquals(
        new int[] {1, 0}, Tensor.ofInts(new int[] {3, 9, 9, 8, 8, 1}, 2, 3).argmax(1).toIntArray());
    // 3-D, along the middle axis; the last column is a tie (9, 9).
    Tensor y = Tensor.of(new float[] {0, 9, 4, 1, 4, 9, 2, 9}, 2, 2, 2);
    assertArrayEquals(new int[] {1, 0, 0, 0}, y.argmax(1).toIntArray());
    assertArrayEquals(new int[] {0, 1, 1, 0}, y.argmin(1).toIntArray());
  }

  @Test
  void logSumExpAndSoftmax() {
    float[] v = {1, 2, 3, -1, 0, 1000};
    Tensor x = Tensor.of(v, 2, 3);
    double lse0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    assertEquals(lse0, x.logSumExp(1, false).get(0), 1e-5);
    // No overflow: log(e^-1 + e^0 + e^1000) = 1000.
    assertEquals(1000, x.logSumExp(1, false).get(1), 1e-3);
    assertArrayEquals(new long[] {2, 1}, x.logSumExp(1, true).shape());
    Tensor s = x.softmax(1);
    for (int j = 0; j < 3; j++) {
      assertEquals(Math.exp(v[j] - lse0), s.get(0, j), 1e-6);
    }
    assertArrayEquals(new float[] {0, 0, 1}, x.select(0, 1).softmax(0).toFloatArray());
    assertEquals(1.0, s.sum(1).get(0), 1e-6);
    Tensor ls = x.logSoftmax(1);
    assertEquals(1 - lse0, ls.get(0, 0), 1e-5);
    assertEquals(-1001, ls.get(1, 0), 1e-2);
    // A row of -inf: logsumexp is -inf, not NaN.
    Tensor inf = Tensor.full(Double.NEGATIVE_INFINITY, 1, 3);
    assertEquals(Double.NEGATIVE_INFINITY, inf.logSumExp(1, false).item());
  }

  @Test
  void matmulAgainstDoubleReference() {
    int m = 7;
    int k = 13;
    int n = 5;
    float[] a = random(7, m * k);
    float[] b = random(8, k * n);
    double[] want = new double[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        for (int p = 0; p < k; p++) {
          want[i * n + j] += (double) a[i * k + p] * b[p * n + j];
        }
      }
    }
    Tensor ta = Tensor.of(a, m, k);
    Tensor tb = Tensor.of(b, k, n);
    assertClose(want, ta.matmul(tb).toFloatArray(), 1e-5);
    // Transposed operands: (B^T A^T)^T = A B.
    assertClose(
        want,
        tb.transpose().contiguous().matmul(ta.transpose().contiguous()).transpose().toFloatArray(),
        1e-5);
    assertClose(
        want, Tensor.of(transposed(a, m, k), k, m).transpose().matmul(tb).toFloatArray(), 1e-5);
    // Batched with a broadcast batch: [2,m,k] whose second batch is 2A, times [k,n].
    float[] a2 = new float[2 * m * k];
    for (int i = 0; i < m * k; i++) {
      a2[i] = a[i];
      a2[m * k + i] = 2 * a[i];
    }
    Tensor batched = Tensor.of(a2, 2, m, k).matmul(tb);
    assertArrayEquals(new long[] {2, m, n}, batched.shape());
    assertClose(want, batched.select(0, 0).toFloatArray(), 1e-5);
    double[] twice = java.util.Arrays.stream(want).map(x -> 2 * x).toArray();
    assertClose(twice, batched.select(0, 1).toFloatArray(), 2e-5);
    assertArrayEquals(
        new long[] {2, m, n},
        ta.reshape(1, m, k).matmul(Tensor.of(b, k, n).expand(2, k, n)).shape());
    // Vectors: 1-D x 2-D, 2-D x 1-D, 1-D x 1-D.
    Tensor row = ta.select(0, 2);
    assertClose(
        java.util.Arrays.copyOfRange(want, 2 * n, 3 * n), row.matmul(tb).toFloatArray(), 1e-5);
    assertArrayEquals(new long[] {n}, row.matmul(tb).shape());
    Tensor col = tb.select(1, 3);
    double[] wantCol = new double[m];
    for (int i = 0; i < m; i++) {
      wantCol[i] = want[i * n + 3];
    }
    assertClose(wantCol, ta.matmul(col).toFloatArray(), 1e-5);
    Tensor dot = row.matmul(col);
    assertEquals(0, dot.dim());
    assertEquals(want[2 * n + 3], dot.item(), 1e-5);
    // Identity.
    assertArrayEquals(ta.toFloatArray(), ta.matmul(Tensor.eye(k)).toFloatArray());
  }

  static float[] transposed(float[] a, int rows, int cols) {
    float[] t = new float[a.length];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        t[j * rows + i] = a[i * cols + j];
      }
    }
    return t;
  }
}
