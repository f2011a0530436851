package dev.quiver.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Elementwise kernels against double-precision references written here (not the kernels' own scalar
 * definitions): the float32 SIMD paths with their scalar tails, and every operand layout the
 * strided loop has to walk (contiguous, row and column broadcast, transposed, sliced).
 */
class ElementwiseTest {
  static final int[] LENGTHS = {1, 7, 8, 9, 15, 16, 17, 33, 1000, 100_003};

  static float[] random(long seed, int n, double lo, double hi) {
    var r = new SplittableRandom(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (lo + (hi - lo) * r.nextDouble());
    }
    return v;
  }

  /** |got - want| within a few float ulps of the reference (or a small absolute error near 0). */
  static void assertClose(String what, float[] want, float[] got, int ulps, double atol) {
    assertEquals(want.length, got.length, what + ": length");
    for (int i = 0; i < want.length; i++) {
      double tol = ulps * Math.ulp(want[i]) + atol;
      if (!(Math.abs((double) got[i] - want[i]) <= tol)
          && !(Float.isNaN(want[i]) && Float.isNaN(got[i]))
          && !(want[i] == got[i])) {
        fail(
            what
                + ": element "
                + i
                + " of "
                + want.length
                + ": expected "
                + want[i]
                + " but was "
                + got[i]);
      }
    }
  }

  record Unary(
      String name,
      Function<Tensor, Tensor> op,
      DoubleUnaryOperator ref,
      double lo,
      double hi,
      int ulps,
      double atol) {
    @Override
    public String toString() {
      return name;
    }
  }

  static final Unary[] UNARY = {
    new Unary("neg", Tensor::neg, x -> -x, -5, 5, 0, 0),
    new Unary("exp", Tensor::exp, Math::exp, -10, 10, 2, 0),
    new Unary("log", Tensor::log, Math::log, 1e-3, 100, 2, 1e-7),
    new Unary("sqrt", Tensor::sqrt, Math::sqrt, 0, 100, 1, 0),
    new Unary("tanh", Tensor::tanh, Math::tanh, -6, 6, 2, 1e-7),
    new Unary("sigmoid", Tensor::sigmoid, x -> 1 / (1 + Math.exp(-x)), -20, 20, 3, 1e-8),
    new Unary("relu", Tensor::relu, x -> Math.max(x, 0), -5, 5, 0, 0),
    new Unary("abs", Tensor::abs, Math::abs, -5, 5, 0, 0),
    new Unary("sin", Tensor::sin, Math::sin, -10, 10, 2, 1e-7),
    new Unary("cos", Tensor::cos, Math::cos, -10, 10, 2, 1e-7),
    new Unary("square", Tensor::square, x -> x * x, -100, 100, 1, 0),
    new Unary("reciprocal", Tensor::reciprocal, x -> 1 / x, 0.01, 50, 1, 0),
    new Unary("sign", Tensor::sign, Math::signum, -5, 5, 0, 0),
  };

  static Stream<Arguments> unaryCases() {
    return Stream.of(UNARY).flatMap(u -> IntStream.of(LENGTHS).mapToObj(n -> Arguments.of(u, n)));
  }

  @ParameterizedTest(name = "{0} n={1}")
  @MethodSource("unaryCases")
  void unaryFloat32MatchesDoubleReference(Unary u, int n) {
    float[] x = random(n * 31L + 1, n, u.lo(), u.hi());
    float[] want = new float[n];
    for (int i = 0; i < n; i++) {
      want[i] = (float) u.ref().applyAsDouble(x[i]);
    }
    assertClose(
        u.name() + " contiguous",
        want,
        u.op().apply(Tensor.of(x)).toFloatArray(),
        u.ulps(),
        u.atol());
    // The same values read through a stride-2 view take the scalar path; they must agree too.
    float[] spread = new float[2 * n];
    for (int i = 0; i < n; i++) {
      spread[2 * i] = x[i];
    }
    Tensor strided = Tensor.of(spread).slice(0, 0, 2L * n, 2);
    assertClose(
        u.name() + " strided", want, u.op().apply(strided).toFloatArray(), u.ulps(), u.atol());
    // float64 computes in double: exact to the reference.
    double[] xd = new double[n];
    for (int i = 0; i < n; i++) {
      xd[i] = x[i];
    }
    double[] got = u.op().apply(Tensor.of(xd)).toDoubleArray();
    for (int i = 0; i < n; i++) {
      assertEquals(
          u.ref().applyAsDouble(xd[i]),
          got[i],
          1e-15 * Math.max(1, Math.abs(got[i])),
          u.name() + " f64");
    }
  }

  record Binary(
      String name,
      java.util.function.BinaryOperator<Tensor> op,
      DoubleBinaryOperator ref,
      int ulps) {
    @Override
    public String toString() {
      return name;
    }
  }

  static final Binary[] BINARY = {
    new Binary("add", Tensor::add, Double::sum, 0),
    new Binary("sub", Tensor::sub, (a, b) -> a - b, 0),
    new Binary("mul", Tensor::mul, (a, b) -> a * b, 0),
    new Binary("div", Tensor::div, (a, b) -> a / b, 0),
    new Binary("pow", Tensor::pow, Math::pow, 2),
    new Binary("maximum", Tensor::maximum, Math::max, 0),
    new Binary("minimum", Tensor::minimum, Math::min, 0),
    new Binary("lt", Tensor::lt, (a, b) -> a < b ? 1 : 0, 0),
  };

  static Stream<Arguments> binaryCases() {
    return Stream.of(BINARY)
        .flatMap(op -> IntStream.of(LENGTHS).mapToObj(n -> Arguments.of(op, n)));
  }

  @ParameterizedTest(name = "{0} n={1}")
  @MethodSource("binaryCases")
  void binaryFloat32MatchesDoubleReference(Binary op, int n) {
    boolean pow = op.name().equals("pow");
    float[] a = random(n * 7L + 2, n, pow ? 0.1 : -10, 10);
    float[] b = random(n * 7L + 3, n, pow ? -3 : -10, 3);
    if (op.name().equals("div")) {
      for (int i = 0; i < n; i++) {
        b[i] = b[i] == 0 ? 1 : b[i];
      }
    }
    float s = b[n / 2];
    float[] want = new float[n];
    float[] wantScalarB = new float[n];
    float[] wantScalarA = new float[n];
    for (int i = 0; i < n; i++) {
      want[i] = (float) op.ref().applyAsDouble(a[i], b[i]);
      wantScalarB[i] = (float) op.ref().applyAsDouble(a[i], s);
      wantScalarA[i] = (float) op.ref().applyAsDouble(s, b[i]);
    }
    Tensor ta = Tensor.of(a);
    Tensor tb = Tensor.of(b);
    assertClose(op + " vector-vector", want, op.op().apply(ta, tb).toFloatArray(), op.ulps(), 0);
    assertClose(
        op + " vector-scalar",
        wantScalarB,
        op.op().apply(ta, Tensor.scalar(s)).toFloatArray(),
        op.ulps(),
        0);
    if (!pow) {
      assertClose(
          op + " scalar-vector",
          wantScalarA,
          op.op().apply(Tensor.scalar(s), tb).toFloatArray(),
          op.ulps(),
          0);
    }
  }

  @Test
  void powOfNegativeBaseWithIntegerExponent() {
    // x.pow(2) on negatives is common ((y - t)^2); the SIMD pow must not turn it into NaN.
    float[] x = new float[19];
    for (int i = 0; i < x.length; i++) {
      x[i] = -(i + 1) * 0.5f;
    }
    float[] sq = Tensor.of(x).pow(2).toFloatArray();
    float[] cube = Tensor.of(x).pow(3).toFloatArray();
    for (int i = 0; i < x.length; i++) {
      assertEquals((float) ((double) x[i] * x[i]), sq[i], Math.ulp(sq[i]) * 2, "(" + x[i] + ")^2");
      assertEquals(
          (float) ((double) x[i] * x[i] * x[i]),
          cube[i],
          Math.abs(Math.ulp(cube[i])) * 2,
          "(" + x[i] + ")^3");
    }
    // A non-integer power of a negative base is NaN, as in Math.pow.
    assertTrue(
        Float.isNaN(
            Tensor.of(new float[] {-2, -2, -2, -2, -2, -2, -2, -2, -2})
                .pow(0.5)
                .toFloatArray()[0]));
  }

  @Test
  void nanPropagatesThroughArithmetic() {
    float[] x = new float[17];
    x[3] = Float.NaN;
    x[16] = Float.NaN;
    float[] y = Tensor.of(x).add(1).exp().toFloatArray();
    assertTrue(Float.isNaN(y[3]) && Float.isNaN(y[16]));
    assertEquals((float) Math.E, y[0], 1e-6);
    float[] m = Tensor.of(x).maximum(0).toFloatArray();
    assertTrue(Float.isNaN(m[3]) && Float.isNaN(m[16]), "maximum keeps NaN as Math.max does");
  }

  // ------------------------------------------------------------------ layouts

  static final int R = 37;
  static final int C = 53;

  static double[][] matrix(long seed, int rows, int cols) {
    var r = new SplittableRandom(seed);
    double[][] m = new double[rows][cols];
    for (double[] row : m) {
      for (int j = 0; j < cols; j++) {
        row[j] = (float) r.nextGaussian();
      }
    }
    return m;
  }

  static Tensor tensor(double[][] m) {
    float[] flat = new float[m.length * m[0].length];
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m[0].length; j++) {
        flat[i * m[0].length + j] = (float) m[i][j];
      }
    }
    return Tensor.of(flat, m.length, m[0].length);
  }

  static double[][] transpose(double[][] m) {
    double[][] t = new double[m[0].length][m.length];
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m[0].length; j++) {
        t[j][i] = m[i][j];
      }
    }
    return t;
  }

  /**
   * Checks out[i][j] == float(a(i,j) op b(i,j)) exactly: add/mul of floats rounded once agree bit
   * for bit.
   */
  static void assertGrid(String what, Tensor out, int rows, int cols, ElementRef ref) {
    assertArrayEquals(new long[] {rows, cols}, out.shape(), what + ": shape");
    float[] got = out.toFloatArray();
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        float want = (float) ref.at(i, j);
        if (got[i * cols + j] != want) {
          fail(
              what
                  + ": at ["
                  + i
                  + ","
                  + j
                  + "] expected "
                  + want
                  + " but was "
                  + got[i * cols + j]);
        }
      }
    }
  }

  @FunctionalInterface
  interface ElementRef {
    double at(int i, int j);
  }

  @Test
  void contiguousWithContiguous() {
    double[][] a = matrix(1, R, C);
    double[][] b = matrix(2, R, C);
    assertGrid("a+b", tensor(a).add(tensor(b)), R, C, (i, j) -> (float) a[i][j] + (float) b[i][j]);
    assertGrid(
        "a*b 3-D",
        tensor(a).reshape(R, 1, C).mul(tensor(b).reshape(R, 1, C)).reshape(R, C),
        R,
        C,
        (i, j) -> (float) a[i][j] * (float) b[i][j]);
  }

  @Test
  void rowBroadcast() {
    double[][] a = matrix(3, R, C);
    double[][] row = matrix(4, 1, C);
    Tensor tr = tensor(row).reshape(C);
    assertGrid("a+row", tensor(a).add(tr), R, C, (i, j) -> (float) a[i][j] + (float) row[0][j]);
    assertGrid("row-a", tr.sub(tensor(a)), R, C, (i, j) -> (float) row[0][j] - (float) a[i][j]);
    assertGrid(
        "[1,C]*a", tensor(row).mul(tensor(a)), R, C, (i, j) -> (float) row[0][j] * (float) a[i][j]);
  }

  @Test
  void columnBroadcast() {
    double[][] a = matrix(5, R, C);
    double[][] col = matrix(6, R, 1);
    assertGrid(
        "a+col", tensor(a).add(tensor(col)), R, C, (i, j) -> (float) a[i][j] + (float) col[i][0]);
    assertGrid(
        "col/a", tensor(col).div(tensor(a)), R, C, (i, j) -> (float) col[i][0] / (float) a[i][j]);
    // Outer product by broadcasting: [R,1] * [1,C].
    double[][] row = matrix(7, 1, C);
    assertGrid(
        "col*row",
        tensor(col).mul(tensor(row)),
        R,
        C,
        (i, j) -> (float) col[i][0] * (float) row[0][j]);
    // Scalar with a matrix.
    assertGrid("a*3", tensor(a).mul(3), R, C, (i, j) -> (float) a[i][j] * 3f);
  }

  @Test
  void transposedOperands() {
    double[][] at = matrix(8, C, R);
    double[][] b = matrix(9, R, C);
    double[][] a = transpose(at);
    Tensor ta = tensor(at).transpose();
    assertGrid("aT+b", ta.add(tensor(b)), R, C, (i, j) -> (float) a[i][j] + (float) b[i][j]);
    assertGrid("b-aT", tensor(b).sub(ta), R, C, (i, j) -> (float) b[i][j] - (float) a[i][j]);
    assertGrid("aT*aT", ta.mul(ta), R, C, (i, j) -> (float) a[i][j] * (float) a[i][j]);
    assertGrid("exp(aT)", ta.exp(), R, C, (i, j) -> Math.exp((float) a[i][j]));
    // A transposed operand with a column broadcast.
    double[][] col = matrix(10, R, 1);
    assertGrid("aT*col", ta.mul(tensor(col)), R, C, (i, j) -> (float) a[i][j] * (float) col[i][0]);
  }

  @Test
  void slicedOperands() {
    double[][] big = matrix(11, R + 5, 2 * C + 3);
    // Rows 2..R+1, every second column from 1: a strided, offset view.
    Tensor ts = tensor(big).slice(0, 2, R + 2).slice(1, 1, 2 * C + 1, 2);
    assertArrayEquals(new long[] {R, C}, ts.shape());
    double[][] b = matrix(12, R, C);
    assertGrid(
        "slice+b",
        ts.add(tensor(b)),
        R,
        C,
        (i, j) -> (float) big[i + 2][1 + 2 * j] + (float) b[i][j]);
    // Contiguous rows at an offset with a row gap: [R, C] out of [R+5, 2C+3] columns 0..C.
    Tensor rows = tensor(big).slice(0, 5, R + 5).slice(1, 0, C);
    assertGrid(
        "rows*b", rows.mul(tensor(b)), R, C, (i, j) -> (float) big[i + 5][j] * (float) b[i][j]);
    assertGrid("-rows", rows.neg(), R, C, (i, j) -> -(float) big[i + 5][j]);
  }

  @Test
  void threeDimensionalMixedBroadcast() {
    // [5,1,7] + [1,6,1] -> [5,6,7], and [6,7] against a permuted [7,6] view.
    float[] a = random(13, 35, -1, 1);
    float[] b = random(14, 6, -1, 1);
    float[] got = Tensor.of(a, 5, 1, 7).add(Tensor.of(b, 1, 6, 1)).toFloatArray();
    for (int i = 0; i < 5; i++) {
      for (int j = 0; j < 6; j++) {
        for (int k = 0; k < 7; k++) {
          assertEquals(a[i * 7 + k] + b[j], got[(i * 6 + j) * 7 + k]);
        }
      }
    }
    float[] c = random(15, 42, -1, 1);
    float[] d = random(16, 42, -1, 1);
    float[] got2 = Tensor.of(c, 6, 7).mul(Tensor.of(d, 7, 6).permute(1, 0)).toFloatArray();
    for (int j = 0; j < 6; j++) {
      for (int k = 0; k < 7; k++) {
        assertEquals(c[j * 7 + k] * d[k * 6 + j], got2[j * 7 + k]);
      }
    }
  }

  @Test
  void whereOnBroadcastOperands() {
    Tensor cond = Tensor.of(new float[] {1, 0, 1}, 3, 1);
    Tensor a = Tensor.of(new float[] {1, 2, 3, 4});
    Tensor b = Tensor.scalar(-1);
    assertArrayEquals(
        new float[] {1, 2, 3, 4, -1, -1, -1, -1, 1, 2, 3, 4},
        Tensor.where(cond, a, b).toFloatArray());
    // An int32 condition (as from argmax comparisons) selects float values.
    Tensor icond = Tensor.ofInts(0, 1, 0, 1);
    assertArrayEquals(new float[] {-1, 2, -1, 4}, Tensor.where(icond, a, b).toFloatArray());
  }

  @Test
  void largeTensors() {
    int n = 1 << 22;
    Tensor a = Tensor.arange(n);
    Tensor b = Tensor.full(0.5, n);
    float[] y = a.mul(b).add(1).toFloatArray();
    for (int i : new int[] {0, 1, 12345, n / 2 + 7, n - 1}) {
      assertEquals(i * 0.5f + 1, y[i]);
    }
    float[] z = a.reshape(2048, 2048).transpose().add(Tensor.arange(2048)).toFloatArray();
    assertEquals(3f * 2048 + 5 + 3, z[5 * 2048 + 3]); // z[i][j] = a[j][i] + j
    assertEquals(2047f * 2048 + 2047 + 2047, z[n - 1]);
  }

  @Test
  void clampLimitsBothSides() {
    float[] x = {-3, -1, -0.5f, 0, 0.5f, 1, 3, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY};
    assertArrayEquals(
        new float[] {-1, -1, -0.5f, 0, 0.5f, 1, 1, -1, 1},
        Tensor.of(x).clamp(-1, 1).toFloatArray());
  }
}
