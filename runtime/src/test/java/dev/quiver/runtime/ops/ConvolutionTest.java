package dev.quiver.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.ConvOptions;
import dev.quiver.runtime.DType;
import dev.quiver.runtime.Shapes;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.GradCheck;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * conv2d, conv1d and convTranspose2d against a naive reference written as the definition's loops,
 * on odd sizes with random stride, padding, dilation and groups: the CPU's float32 kernels and the
 * im2col + matmul composition (float64, the path every other backend takes) alike; their gradients
 * against finite differences and against each other.
 */
class ConvolutionTest {

  /** A random convolution: sizes, settings and the resulting output size. */
  record Case(
      int n,
      int c,
      int h,
      int w,
      int o,
      int kh,
      int kw,
      int sh,
      int sw,
      int ph,
      int pw,
      int dh,
      int dw,
      int groups) {

    static Case random(long seed) {
      var r = new SplittableRandom(seed);
      while (true) {
        int groups = 1 + r.nextInt(3);
        var k =
            new Case(
                1 + r.nextInt(3),
                groups * (1 + r.nextInt(3)),
                3 + r.nextInt(7),
                3 + r.nextInt(7),
                groups * (1 + r.nextInt(3)),
                1 + r.nextInt(4),
                1 + r.nextInt(4),
                1 + r.nextInt(3),
                1 + r.nextInt(3),
                r.nextInt(3),
                r.nextInt(3),
                1 + r.nextInt(2),
                1 + r.nextInt(2),
                groups);
        if (k.outH() >= 1 && k.outW() >= 1) {
          return k;
        }
      }
    }

    int outH() {
      return Math.floorDiv(h + 2 * ph - dh * (kh - 1) - 1, sh) + 1;
    }

    int outW() {
      return Math.floorDiv(w + 2 * pw - dw * (kw - 1) - 1, sw) + 1;
    }

    ConvOptions options() {
      return ConvOptions.defaults().stride(sh, sw).padding(ph, pw).dilation(dh, dw).groups(groups);
    }

    long[] xShape() {
      return new long[] {n, c, h, w};
    }

    long[] wShape() {
      return new long[] {o, c / groups, kh, kw};
    }
  }

  /** out[n, o, i, j] = b[o] + Σ x[n, c, i·s + p·d - pad, j·s + q·d - pad] · w[o, c', p, q]. */
  static double[] reference(Case k, double[] x, double[] w, double[] b) {
    int oh = k.outH();
    int ow = k.outW();
    int cg = k.c / k.groups;
    int og = k.o / k.groups;
    double[] out = new double[k.n * k.o * oh * ow];
    for (int n = 0; n < k.n; n++) {
      for (int o = 0; o < k.o; o++) {
        int grp = o / og;
        for (int i = 0; i < oh; i++) {
          for (int j = 0; j < ow; j++) {
            double s = b == null ? 0 : b[o];
            for (int cc = 0; cc < cg; cc++) {
              int c = grp * cg + cc;
              for (int p = 0; p < k.kh; p++) {
                for (int q = 0; q < k.kw; q++) {
                  int y = i * k.sh + p * k.dh - k.ph;
                  int z = j * k.sw + q * k.dw - k.pw;
                  if (y >= 0 && y < k.h && z >= 0 && z < k.w) {
                    s +=
                        x[((n * k.c + c) * k.h + y) * k.w + z]
                            * w[((o * cg + cc) * k.kh + p) * k.kw + q];
                  }
                }
              }
            }
            out[((n * k.o + o) * oh + i) * ow + j] = s;
          }
        }
      }
    }
    return out;
  }

  static Tensor normal(long seed, DType t, long... shape) {
    var r = new SplittableRandom(seed);
    double[] v = new double[Math.toIntExact(Shapes.numel(shape))];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextGaussian();
    }
    return Tensor.of(v, shape).to(t);
  }

  static void assertClose(double[] expected, double[] actual, double tol, String what) {
    assertEquals(expected.length, actual.length, what + ": sizes");
    for (int i = 0; i < expected.length; i++) {
      double e = expected[i];
      assertTrue(
          Math.abs(e - actual[i]) <= tol * (1 + Math.abs(e)),
          what + ": element " + i + " is " + actual[i] + ", expected " + e);
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
  void conv2dMatchesTheDefinitionInBothPaths(long seed) {
    Case k = Case.random(seed);
    Tensor x = normal(seed * 3, DType.FLOAT64, k.xShape());
    Tensor w = normal(seed * 3 + 1, DType.FLOAT64, k.wShape());
    Tensor b = normal(seed * 3 + 2, DType.FLOAT64, k.o);
    double[] expected = reference(k, x.toDoubleArray(), w.toDoubleArray(), b.toDoubleArray());
    Tensor y64 = x.conv2d(w, b, k.options());
    assertArrayEquals(new long[] {k.n, k.o, k.outH(), k.outW()}, y64.shape(), k.toString());
    assertClose(expected, y64.toDoubleArray(), 1e-12, "float64 " + k);
    Tensor y32 = x.to(DType.FLOAT32).conv2d(w.to(DType.FLOAT32), b.to(DType.FLOAT32), k.options());
    assertClose(expected, y32.toDoubleArray(), 1e-4, "float32 " + k);
  }

  @ParameterizedTest
  @ValueSource(longs = {21, 22, 23, 24, 25, 26})
  void conv2dGradientsMatchFiniteDifferences(long seed) {
    Case k = Case.random(seed);
    GradCheck.assertGradients(
        t -> t[0].conv2d(t[1], t[2], k.options()),
        normal(seed, DType.FLOAT64, k.xShape()),
        normal(seed + 1, DType.FLOAT64, k.wShape()),
        normal(seed + 2, DType.FLOAT64, k.o));
  }

  /**
   * The float32 kernels' backward against the float64 composition's, which the finite differences
   * check.
   */
  @ParameterizedTest
  @ValueSource(longs = {31, 32, 33, 34, 35, 36, 37, 38, 39, 40})
  void float32BackwardAgreesWithFloat64(long seed) {
    Case k = Case.random(seed);
    double[][] grads64 = grads(k, seed, DType.FLOAT64);
    double[][] grads32 = grads(k, seed, DType.FLOAT32);
    assertClose(grads64[0], grads32[0], 1e-4, "dx " + k);
    assertClose(grads64[1], grads32[1], 1e-4, "dw " + k);
  }

  @Test
  void aBatchSpreadOverTheWorkersAgreesWithTheDefinition() {
    // Big enough for several samples per worker and several Sgemm blocks per product.
    Case k = new Case(6, 12, 17, 15, 20, 3, 3, 1, 1, 1, 1, 1, 1, 2);
    Tensor x = normal(1, DType.FLOAT32, k.xShape());
    Tensor w = normal(2, DType.FLOAT32, k.wShape());
    double[] expected = reference(k, x.toDoubleArray(), w.toDoubleArray(), null);
    assertClose(expected, x.conv2d(w, null, k.options()).toDoubleArray(), 1e-4, k.toString());
    double[][] g64 = grads(k, 5, DType.FLOAT64);
    double[][] g32 = grads(k, 5, DType.FLOAT32);
    assertClose(g64[0], g32[0], 1e-4, "dx");
    assertClose(g64[1], g32[1], 1e-4, "dw");
  }

  private static double[][] grads(Case k, long seed, DType t) {
    Tensor x = normal(seed, t, k.xShape()).requiresGrad();
    Tensor w = normal(seed + 1, t, k.wShape()).requiresGrad();
    Tensor up = normal(seed + 2, t, k.n, k.o, k.outH(), k.outW());
    x.conv2d(w, null, k.options()).backward(up);
    return new double[][] {x.grad().toDoubleArray(), w.grad().toDoubleArray()};
  }

  @Test
  void depthwiseIsOneFilterPerChannel() {
    Case k = new Case(2, 4, 7, 6, 4, 3, 3, 2, 1, 1, 1, 1, 1, 4);
    Tensor x = normal(1, DType.FLOAT32, k.xShape());
    Tensor w = normal(2, DType.FLOAT32, k.wShape());
    double[] expected = reference(k, x.toDoubleArray(), w.toDoubleArray(), null);
    assertClose(expected, x.conv2d(w, null, k.options()).toDoubleArray(), 1e-5, "depthwise");
    GradCheck.assertGradients(
        t -> t[0].conv2d(t[1], null, k.options()), x.to(DType.FLOAT64), w.to(DType.FLOAT64));
  }

  @Test
  void sameKeepsTheSizeAndPadsTheFarSideMoreAsTorchDoes() {
    // torch: F.conv2d(arange(1, 71).reshape(1, 2, 5, 7), arange(1, 9).reshape(2, 2, 2, 1) / 10,
    // padding='same')[0, 0, :2] (a 2x1 kernel pads 0 rows above, 1 below).
    Tensor x = Tensor.arange(1, 71, 1).reshape(1, 2, 5, 7);
    Tensor w = Tensor.arange(1, 9, 1).reshape(2, 2, 2, 1).div(10);
    Tensor y = x.conv2d(w, null, ConvOptions.defaults().paddingSame());
    assertArrayEquals(new long[] {1, 2, 5, 7}, y.shape());
    float[] row = y.slice(2, 0, 2).select(1, 0).flatten().toFloatArray();
    for (int i = 0; i < 14; i++) {
      assertEquals(29.7 + i, row[i], 1e-4);
    }
    // An odd dilated kernel: centred.
    Case k = new Case(1, 2, 6, 5, 3, 3, 2, 1, 1, 0, 0, 2, 1, 1);
    GradCheck.assertGradients(
        t -> t[0].conv2d(t[1], null, ConvOptions.defaults().dilation(2, 1).paddingSame()),
        normal(3, DType.FLOAT64, k.xShape()),
        normal(4, DType.FLOAT64, k.wShape()));
  }

  @ParameterizedTest
  @ValueSource(longs = {41, 42, 43, 44, 45})
  void conv1dIsAConv2dOfHeightOne(long seed) {
    var r = new SplittableRandom(seed);
    int groups = 1 + r.nextInt(2);
    int c = groups * (1 + r.nextInt(3));
    int o = groups * (1 + r.nextInt(3));
    int len = 7 + r.nextInt(9);
    int kk = 1 + r.nextInt(4);
    var opts =
        ConvOptions.defaults()
            .stride(1 + r.nextInt(2))
            .padding(r.nextInt(2))
            .dilation(1 + r.nextInt(2))
            .groups(groups);
    Tensor x = normal(seed, DType.FLOAT64, 2, c, len);
    Tensor w = normal(seed + 1, DType.FLOAT64, o, c / groups, kk);
    Tensor b = normal(seed + 2, DType.FLOAT64, o);
    Case k =
        new Case(
            2, c, 1, len, o, 1, kk, 1, opts.strideW(), 0, opts.padW(), 1, opts.dilationW(), groups);
    double[] expected = reference(k, x.toDoubleArray(), w.toDoubleArray(), b.toDoubleArray());
    Tensor y = x.conv1d(w, b, opts);
    assertArrayEquals(new long[] {2, o, k.outW()}, y.shape());
    assertClose(expected, y.toDoubleArray(), 1e-12, "conv1d");
    assertClose(
        expected,
        x.to(DType.FLOAT32).conv1d(w.to(DType.FLOAT32), b.to(DType.FLOAT32), opts).toDoubleArray(),
        1e-4,
        "conv1d float32");
    GradCheck.assertGradients(t -> t[0].conv1d(t[1], t[2], opts), x, w, b);
  }

  /**
   * The transposed convolution by its definition: every input pixel scatters its kernel-weighted
   * copy into the output.
   */
  static double[] referenceTranspose(
      int n,
      int cin,
      int h,
      int w,
      int cout,
      int kh,
      int kw,
      int s,
      int p,
      int d,
      int groups,
      int oh,
      int ow,
      double[] x,
      double[] wt) {
    int ig = cin / groups;
    int og = cout / groups;
    double[] out = new double[n * cout * oh * ow];
    for (int b = 0; b < n; b++) {
      for (int ci = 0; ci < cin; ci++) {
        int grp = ci / ig;
        for (int i = 0; i < h; i++) {
          for (int j = 0; j < w; j++) {
            double v = x[((b * cin + ci) * h + i) * w + j];
            for (int oc = 0; oc < og; oc++) {
              for (int a = 0; a < kh; a++) {
                for (int c = 0; c < kw; c++) {
                  int y = i * s - p + a * d;
                  int z = j * s - p + c * d;
                  if (y >= 0 && y < oh && z >= 0 && z < ow) {
                    out[((b * cout + grp * og + oc) * oh + y) * ow + z] +=
                        v * wt[((ci * og + oc) * kh + a) * kw + c];
                  }
                }
              }
            }
          }
        }
      }
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(longs = {51, 52, 53, 54, 55, 56})
  void convTranspose2dScattersAndIsTheAdjoint(long seed) {
    var r = new SplittableRandom(seed);
    int groups = 1 + r.nextInt(2);
    int cin = groups * (1 + r.nextInt(2));
    int cout = groups * (1 + r.nextInt(3));
    int h = 2 + r.nextInt(4);
    int w = 2 + r.nextInt(4);
    int kh = 1 + r.nextInt(3);
    int kw = 1 + r.nextInt(3);
    int s = 1 + r.nextInt(3);
    int d = 1 + r.nextInt(2);
    int p = r.nextInt(Math.min(kh, kw));
    int op = r.nextInt(Math.max(s, d));
    var opts =
        ConvOptions.defaults().stride(s).padding(p).dilation(d).groups(groups).outputPadding(op);
    int oh = (h - 1) * s - 2 * p + d * (kh - 1) + op + 1;
    int ow = (w - 1) * s - 2 * p + d * (kw - 1) + op + 1;
    Tensor x = normal(seed, DType.FLOAT64, 2, cin, h, w);
    Tensor wt = normal(seed + 1, DType.FLOAT64, cin, cout / groups, kh, kw);
    Tensor b = normal(seed + 2, DType.FLOAT64, cout);
    Tensor y = x.convTranspose2d(wt, null, opts);
    assertArrayEquals(new long[] {2, cout, oh, ow}, y.shape(), opts.toString());
    double[] expected =
        referenceTranspose(
            2,
            cin,
            h,
            w,
            cout,
            kh,
            kw,
            s,
            p,
            d,
            groups,
            oh,
            ow,
            x.toDoubleArray(),
            wt.toDoubleArray());
    assertClose(expected, y.toDoubleArray(), 1e-12, "convTranspose2d " + opts);
    Tensor y32 = x.to(DType.FLOAT32).convTranspose2d(wt.to(DType.FLOAT32), null, opts);
    assertClose(expected, y32.toDoubleArray(), 1e-4, "convTranspose2d float32 " + opts);
    GradCheck.assertGradients(t -> t[0].convTranspose2d(t[1], t[2], opts), x, wt, b);
  }
}
