package dev.quiver.runtime.math;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.backend.Backend;
import dev.quiver.runtime.backend.Backends;
import dev.quiver.runtime.backend.ReduceOp;
import dev.quiver.runtime.backend.View;
import dev.quiver.runtime.backend.cuda.KernelSources;
import dev.quiver.runtime.math.ElementwiseMath.BinaryOp;
import dev.quiver.runtime.math.ElementwiseMath.UnaryOp;
import dev.quiver.runtime.memory.HostStorage;
import org.junit.jupiter.api.Test;

/**
 * The checklist of adding an op, enforced: every {@link UnaryOp} and {@link BinaryOp} computes its
 * scalar definition on the CPU (the vector loops and their scalar tails, float32 and float64), and
 * the CUDA kernels have a case for it. The derivative needs no test here: the switches in {@code
 * ops/Elementwise} are exhaustive, so a new op without one does not compile.
 */
class EveryOpHasItsKernelsTest {
  /** Ordinary values, signed zeros, values around the ops' edges (0, 1), and a few large ones. */
  private static final double[] SAMPLES = {
    -7.5, -3, -2, -1, -0.75, -0.5, -0.0, 0.0, 0.125, 0.5, 0.75, 1, 1.5, 2, 3, 4.25, 9, 20
  };

  /**
   * Run lengths: one of at most F32Vectors.TINY (256) floats, which the CPU stages and runs as a
   * plain loop, and one longer, for the vector loops and their scalar tail (not a multiple of 8 or
   * 16).
   */
  private static final int[] RUNS = {3 * SAMPLES.length + 5, 16 * SAMPLES.length + 5};

  private static final Backend CPU = Backends.cpu();

  private static View host(DType dtype, double[] values) {
    View v =
        View.contiguous(
            HostStorage.allocate((long) values.length * dtype.byteSize(), null),
            dtype,
            new long[] {values.length});
    for (int i = 0; i < values.length; i++) {
      CPU.set(v, i, values[i]);
    }
    return v;
  }

  private static View empty(DType dtype, int n) {
    return View.contiguous(
        HostStorage.allocate((long) n * dtype.byteSize(), null), dtype, new long[] {n});
  }

  private static double sample(int i) {
    return SAMPLES[i % SAMPLES.length];
  }

  /**
   * Both NaN, equal, or within a few float32 ulps (the vector library's transcendentals) of the
   * reference.
   */
  private static void assertMatches(String what, DType dtype, double want, double got) {
    if (Double.isNaN(want) && Double.isNaN(got) || want == got) {
      return;
    }
    double tol = dtype == DType.FLOAT32 ? 4 * Math.ulp((float) want) + 1e-7 : 0;
    if (!(Math.abs(want - got) <= tol)) {
      fail(what + ": the CPU kernel gave " + got + " where the scalar definition gives " + want);
    }
  }

  @Test
  void everyUnaryOpOnTheCpuMatchesItsScalarDefinition() {
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      for (int n : RUNS) {
        unaryOps(dtype, n);
      }
    }
  }

  private static void unaryOps(DType dtype, int n) {
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = sample(i);
    }
    View in = host(dtype, x);
    for (UnaryOp op : UnaryOp.values()) {
      View out = empty(dtype, n);
      CPU.unary(op, in, out);
      for (int i = 0; i < n; i++) {
        double stored = CPU.get(in, i);
        double want = dtype == DType.FLOAT32 ? (float) op.apply(stored) : op.apply(stored);
        assertMatches(
            op + "(" + stored + ") in " + dtype + ", " + n + " long", dtype, want, CPU.get(out, i));
      }
    }
  }

  @Test
  void everyBinaryOpOnTheCpuMatchesItsScalarDefinition() {
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      // Every sample against every sample: a's index runs fast, b's slow.
      int n = SAMPLES.length * SAMPLES.length;
      double[] a = new double[n];
      double[] b = new double[n];
      for (int i = 0; i < n; i++) {
        a[i] = SAMPLES[i % SAMPLES.length];
        b[i] = SAMPLES[i / SAMPLES.length];
      }
      View av = host(dtype, a);
      View bv = host(dtype, b);
      for (BinaryOp op : BinaryOp.values()) {
        View out = empty(dtype, n);
        CPU.binary(op, av, bv, out);
        for (int i = 0; i < n; i++) {
          double want =
              dtype == DType.FLOAT32 ? (float) op.apply(a[i], b[i]) : op.apply(a[i], b[i]);
          assertMatches(
              op + "(" + a[i] + ", " + b[i] + ") in " + dtype, dtype, want, CPU.get(out, i));
        }
      }
    }
  }

  /**
   * The float32 kernels' broadcast forms: a single value against a run (left and right), and a
   * single value on both sides, each long enough for the vector loops and a scalar tail, at an
   * offset. Every operation, every form, every pair of samples.
   */
  @Test
  void everyBinaryOpMatchesItsScalarDefinitionWithABroadcastOperand() {
    for (int n : RUNS) {
      broadcastOperand(n);
    }
  }

  private static void broadcastOperand(int n) {
    double[] run = new double[n];
    for (int i = 0; i < n; i++) {
      run[i] = sample(i + 3);
    }
    View runView = host(DType.FLOAT32, run);
    for (BinaryOp op : BinaryOp.values()) {
      for (double s : SAMPLES) {
        View scalar =
            host(DType.FLOAT32, new double[] {9, s}).withLayout(new long[] {n}, new long[] {0}, 1);
        for (int form = 0; form < 3; form++) {
          View a = form == 1 ? runView : scalar;
          View b = form == 0 ? runView : scalar;
          View out = empty(DType.FLOAT32, n);
          CPU.binary(op, a, b, out);
          for (int i = 0; i < n; i++) {
            double x = CPU.get(a, i);
            double y = CPU.get(b, i);
            assertMatches(
                op + "(" + x + ", " + y + ") in float32, broadcast form " + form,
                DType.FLOAT32,
                (float) op.apply(x, y),
                CPU.get(out, i));
          }
        }
      }
    }
  }

  /**
   * Row lengths: short of any vector (staged rows), a vector or two with a tail, 8 or 16 wide
   * (staged too while the matrix has at most 256 floats), and one long enough for the vector loops
   * in every case.
   */
  private static final int[] ROW_LENGTHS = {3, 7, 10, 19, 37, 300};

  /**
   * A float32 matrix operand of {@code rows × n} in one of four forms: 0 every element (rows padded
   * by 2, so not one block, at offset 1), 1 a broadcast row, 2 a broadcast column (one value per
   * row), 3 one value; element (r, j) is {@code sample(seed + r·n + j)} as the form repeats it.
   */
  private static View operand(int form, int rows, int n, int seed) {
    int stride = n + 2;
    double[] v = new double[1 + rows * stride];
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < n; j++) {
        int k =
            switch (form) {
              case 0 -> r * n + j;
              case 1 -> j;
              case 2 -> r;
              default -> 0;
            };
        v[1 + r * stride + j] = sample(seed + k);
      }
    }
    long[] strides =
        switch (form) {
          case 0 -> new long[] {stride, 1};
          case 1 -> new long[] {0, 1};
          case 2 -> new long[] {stride, 0};
          default -> new long[] {0, 0};
        };
    return host(DType.FLOAT32, v).withLayout(new long[] {rows, n}, strides, 1);
  }

  /**
   * The float32 kernels that take a matrix's rows in one call (a matrix and a bias row, a column):
   * every operation, every pair of operand forms, rows shorter than a vector and longer, one row
   * and several, into a dense result and into one with padded rows.
   */
  @Test
  void everyBinaryOpMatchesItsScalarDefinitionRowByRow() {
    for (BinaryOp op : BinaryOp.values()) {
      for (int n : ROW_LENGTHS) {
        for (int rows : new int[] {1, 5}) {
          for (int forms = 0; forms < 16; forms++) {
            View a = operand(forms / 4, rows, n, 0);
            View b = operand(forms % 4, rows, n, 5);
            for (boolean padded : new boolean[] {false, true}) {
              int stride = padded ? n + 3 : n;
              View out =
                  empty(DType.FLOAT32, 2 + rows * stride)
                      .withLayout(new long[] {rows, n}, new long[] {stride, 1}, padded ? 2 : 0);
              CPU.binary(op, a, b, out);
              for (int i = 0; i < rows * n; i++) {
                double x = CPU.get(a, i);
                double y = CPU.get(b, i);
                assertMatches(
                    op
                        + "("
                        + x
                        + ", "
                        + y
                        + ") at "
                        + i
                        + " of "
                        + rows
                        + "x"
                        + n
                        + ", forms "
                        + forms / 4
                        + "/"
                        + forms % 4
                        + (padded ? ", padded result" : ""),
                    DType.FLOAT32,
                    (float) op.apply(x, y),
                    CPU.get(out, i));
              }
            }
          }
        }
      }
    }
  }

  /** The same in place: a matrix plus a bias row, written over the matrix. */
  @Test
  void aBroadcastRowAddsInPlaceRowByRow() {
    for (int n : ROW_LENGTHS) {
      View a = operand(0, 5, n, 0);
      View b = operand(1, 5, n, 5);
      double[] want = new double[5 * n];
      for (int i = 0; i < want.length; i++) {
        want[i] = (float) (CPU.get(a, i) + CPU.get(b, i));
      }
      CPU.binary(BinaryOp.ADD, a, b, a);
      for (int i = 0; i < want.length; i++) {
        assertMatches("in-place add at " + i + " of 5x" + n, DType.FLOAT32, want[i], CPU.get(a, i));
      }
    }
  }

  /**
   * Sums, maxima and minima of a matrix's columns (a bias gradient) and rows, in one call: every
   * value the same as adding the rows one by one in order, with NaN winning max and min.
   */
  @Test
  void everyReductionOfAMatrixMatchesRowByRow() {
    for (ReduceOp op : ReduceOp.values()) {
      for (int n : ROW_LENGTHS) {
        for (int rows : new int[] {2, 5}) {
          for (int form : new int[] {0, 1}) {
            View x = operand(form, rows, n, 2);
            if (op != ReduceOp.SUM) {
              CPU.set(x, rows * n - 2, Double.NaN);
            }
            View columns =
                empty(DType.FLOAT32, n).withLayout(new long[] {1, n}, new long[] {n, 1}, 0);
            View rowsOut =
                empty(DType.FLOAT32, rows).withLayout(new long[] {rows, 1}, new long[] {1, 1}, 0);
            CPU.reduce(op, x, columns);
            CPU.reduce(op, x, rowsOut);
            for (int j = 0; j < n; j++) {
              float acc = (float) op.identity();
              for (int r = 0; r < rows; r++) {
                acc = (float) op.combine(acc, CPU.get(x, r * n + j));
              }
              assertMatches(
                  op + " of column " + j + " of " + rows + "x" + n + ", form " + form,
                  DType.FLOAT32,
                  acc,
                  CPU.get(columns, j));
            }
            for (int r = 0; r < rows; r++) {
              double acc = op.identity();
              for (int j = 0; j < n; j++) {
                acc = op.combine(acc, CPU.get(x, r * n + j));
              }
              assertMatches(
                  op + " of row " + r + " of " + rows + "x" + n + ", form " + form,
                  DType.FLOAT32,
                  (float) acc,
                  CPU.get(rowsOut, r));
            }
          }
        }
      }
    }
  }

  @Test
  void everyOpHasACaseInTheCudaKernels() {
    String prelude = KernelSources.prelude();
    for (UnaryOp op : UnaryOp.values()) {
      assertCase(prelude, op);
    }
    for (BinaryOp op : BinaryOp.values()) {
      assertCase(prelude, op);
    }
    for (ReduceOp op : ReduceOp.values()) {
      assertCase(prelude, op);
    }
  }

  private static void assertCase(String prelude, Enum<?> op) {
    String code = KernelSources.opCode(op);
    assertTrue(
        prelude.contains("#define " + code + " " + op.ordinal() + "\n"),
        code + " is not defined in front of prelude.cu as " + op.ordinal());
    assertTrue(
        prelude.contains("case " + code + ":"),
        op.getDeclaringClass().getSimpleName()
            + "."
            + op
            + " has no 'case "
            + code
            + ":' in prelude.cu (qv_unary, qv_binary or qv_combine), so the CUDA backend would "
            + "compute NaN for it");
  }
}
