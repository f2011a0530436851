package dev.quiver.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Interpolation;
import dev.quiver.runtime.PadMode;
import dev.quiver.runtime.PoolOptions;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.GradCheck;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Pooling, padding and resizing: values torch gives for the same calls (written down from torch
 * 1.13, {@code torch.nn.functional}), a naive reference on random settings, and gradients against
 * finite differences.
 */
class PoolingTest {

  /** torch.arange(1, 71).reshape(1, 2, 5, 7). */
  private static Tensor ramp() {
    return Tensor.arange(1, 71, 1).reshape(1, 2, 5, 7);
  }

  private static void assertValues(double[] expected, Tensor actual) {
    float[] a = actual.flatten().toFloatArray();
    assertEquals(expected.length, a.length, "number of elements of " + actual.shapeString());
    for (int i = 0; i < a.length; i++) {
      assertEquals(expected[i], a[i], 1e-4 * (1 + Math.abs(expected[i])), "element " + i);
    }
  }

  @Test
  void maxPoolWithPaddingAndCeilModeAsTorch() {
    // F.max_pool2d(x, 3, 2, 1, ceil_mode=True)
    Tensor y = ramp().maxPool2d(PoolOptions.kernel(3).stride(2).padding(1).ceilMode());
    assertArrayEquals(new long[] {1, 2, 3, 4}, y.shape());
    assertValues(
        new double[] {
          9, 11, 13, 14, 23, 25, 27, 28, 30, 32, 34, 35, 44, 46, 48, 49, 58, 60, 62, 63, 65, 67, 69,
          70
        },
        y);
  }

  @Test
  void avgPoolCountsThePaddingOrNotAsTorch() {
    var o = PoolOptions.kernel(3).stride(2).padding(1).ceilMode();
    assertValues(
        new double[] {
          2.2222223, 4.3333335, 5.6666665, 4.4444447, 10.333333, 17.0, 19.0, 13.666667, 11.555555,
          18.333334, 19.666666, 13.777778, 17.777779, 27.666666, 29.0, 20.0, 33.666668, 52.0, 54.0,
          37.0, 27.11111, 41.666668, 43.0, 29.333334
        },
        ramp().avgPool2d(o));
    assertValues(
        new double[] {
          5.0, 6.5, 8.5, 10.0, 15.5, 17.0, 19.0, 20.5, 26.0, 27.5, 29.5, 31.0, 40.0, 41.5, 43.5,
          45.0, 50.5, 52.0, 54.0, 55.5, 61.0, 62.5, 64.5, 66.0
        },
        ramp().avgPool2d(o.excludePadding()));
  }

  @Test
  void adaptiveAveragePoolingAsTorch() {
    // F.adaptive_avg_pool2d(x, (3, 4)): overlapping windows of uneven size.
    assertValues(
        new double[] {
          5.0, 6.5, 8.5, 10.0, 15.5, 17.0, 19.0, 20.5, 26.0, 27.5, 29.5, 31.0, 40.0, 41.5, 43.5,
          45.0, 50.5, 52.0, 54.0, 55.5, 61.0, 62.5, 64.5, 66.0
        },
        ramp().adaptiveAvgPool2d(3, 4));
    assertValues(new double[] {18, 53}, ramp().adaptiveAvgPool2d(1, 1));
  }

  /** A random pooling against the definition, both ways, and its gradient. */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
  void randomPoolingsMatchTheDefinitionAndFiniteDifferences(long seed) {
    var r = new SplittableRandom(seed);
    int kh = 1 + r.nextInt(4);
    int kw = 1 + r.nextInt(4);
    var o =
        new PoolOptions(
            kh,
            kw,
            1 + r.nextInt(3),
            1 + r.nextInt(3),
            r.nextInt(kh / 2 + 1),
            r.nextInt(kw / 2 + 1),
            r.nextBoolean(),
            r.nextBoolean());
    int h = kh + r.nextInt(6);
    int w = kw + r.nextInt(6);
    Tensor x = ConvolutionTest.normal(seed, DType.FLOAT64, 2, 3, h, w);
    for (boolean max : new boolean[] {true, false}) {
      Tensor y = max ? x.maxPool2d(o) : x.avgPool2d(o);
      double[] expected = reference(x.toDoubleArray(), 6, h, w, o, max, y.size(2), y.size(3));
      ConvolutionTest.assertClose(expected, y.toDoubleArray(), 1e-12, (max ? "max " : "avg ") + o);
      Tensor y32 = max ? x.to(DType.FLOAT32).maxPool2d(o) : x.to(DType.FLOAT32).avgPool2d(o);
      ConvolutionTest.assertClose(expected, y32.toDoubleArray(), 1e-5, "float32 " + o);
      GradCheck.assertGradients(t -> max ? t[0].maxPool2d(o) : t[0].avgPool2d(o), x);
    }
  }

  /**
   * The float32 max pooling (its own 2x2 loop among them) picks the same element as the float64
   * path, which compares in double: ties go to the first in row-major order (zeros of both signs
   * tie), infinities compare, the first NaN wins; the gradient goes where the maximum was. With
   * overlapping windows a position collects several outputs' gradients.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3})
  void float32MaxPoolingPicksWhatFloat64Picks(int seed) {
    var r = new SplittableRandom(seed);
    double[] choices = {0.0, -0.0, 1, -1, 2, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
    for (long[] shape : new long[][] {{2, 3, 8, 6}, {1, 2, 7, 9}, {1, 1, 28, 28}}) {
      double[] v = new double[(int) (shape[0] * shape[1] * shape[2] * shape[3])];
      for (int i = 0; i < v.length; i++) {
        v[i] = r.nextInt(200) == 0 ? Double.NaN : choices[r.nextInt(choices.length)];
      }
      for (PoolOptions o :
          new PoolOptions[] {
            PoolOptions.kernel(2), PoolOptions.kernel(2).stride(1), PoolOptions.kernel(3).stride(2)
          }) {
        Tensor x64 = Tensor.of(v, shape).requiresGrad();
        Tensor x32 = Tensor.of(v, shape).to(DType.FLOAT32).requiresGrad();
        Tensor y64 = x64.maxPool2d(o);
        Tensor y32 = x32.maxPool2d(o);
        double[] a = y64.toDoubleArray();
        double[] b = y32.toDoubleArray();
        String what = java.util.Arrays.toString(shape) + " " + o;
        for (int i = 0; i < a.length; i++) {
          // Same element: same value, NaN and the sign of zero included.
          assertEquals(
              Double.doubleToLongBits(a[i]), Double.doubleToLongBits(b[i]), what + " output " + i);
        }
        Tensor g = ConvolutionTest.normal(5, DType.FLOAT64, y64.shape());
        y64.mul(g).sum().backward();
        y32.mul(g.to(DType.FLOAT32)).sum().backward();
        ConvolutionTest.assertClose(
            x64.grad().toDoubleArray(), x32.grad().toDoubleArray(), 1e-6, what + " gradient");
      }
    }
  }

  /** Pooling by its definition: each window over the positions inside the padded input. */
  private static double[] reference(
      double[] x, int planes, int h, int w, PoolOptions o, boolean max, long oh, long ow) {
    double[] out = new double[(int) (planes * oh * ow)];
    int i = 0;
    for (int p = 0; p < planes; p++) {
      for (int a = 0; a < oh; a++) {
        for (int b = 0; b < ow; b++) {
          int r0 = a * o.strideH() - o.padH();
          int c0 = b * o.strideW() - o.padW();
          double best = Double.NEGATIVE_INFINITY;
          double sum = 0;
          int inside = 0;
          int padded = 0;
          for (int y = r0; y < r0 + o.kernelH(); y++) {
            for (int z = c0; z < c0 + o.kernelW(); z++) {
              if (y < h + o.padH() && z < w + o.padW()) {
                padded++;
              }
              if (y >= 0 && y < h && z >= 0 && z < w) {
                double v = x[(p * h + y) * w + z];
                best = Math.max(best, v);
                sum += v;
                inside++;
              }
            }
          }
          out[i++] = max ? best : sum / (o.countIncludePad() ? padded : inside);
        }
      }
    }
    return out;
  }

  @Test
  void oneDimensionalPoolingAndUnbatchedInputs() {
    Tensor x = ConvolutionTest.normal(3, DType.FLOAT64, 2, 3, 11);
    var o = PoolOptions.kernel(3).stride(2).padding(1);
    Tensor y = x.maxPool1d(o);
    assertArrayEquals(new long[] {2, 3, 6}, y.shape());
    ConvolutionTest.assertClose(
        x.unsqueeze(2).maxPool2d(new PoolOptions(1, 3, 1, 2, 0, 1, false, true)).toDoubleArray(),
        y.toDoubleArray(),
        0,
        "maxPool1d");
    GradCheck.assertGradients(t -> t[0].avgPool1d(o), x);
    assertArrayEquals(new long[] {3, 6}, x.select(0, 0).avgPool1d(o).shape());
    assertArrayEquals(new long[] {2, 2, 3}, ramp().select(0, 0).maxPool2d(2).shape());
    GradCheck.assertGradients(
        t -> t[0].adaptiveAvgPool2d(2, 3), ConvolutionTest.normal(4, DType.FLOAT64, 1, 2, 5, 7));
  }

  @Test
  void paddingModesAsTorch() {
    Tensor y = Tensor.arange(1, 13, 1).reshape(1, 1, 3, 4);
    // F.pad(y, (2, 1, 1, 2), mode=...)
    assertValues(
        new double[] {
          7, 6, 5, 6, 7, 8, 7, 3, 2, 1, 2, 3, 4, 3, 7, 6, 5, 6, 7, 8, 7, 11, 10, 9, 10, 11, 12, 11,
          7, 6, 5, 6, 7, 8, 7, 3, 2, 1, 2, 3, 4, 3
        },
        y.pad(new int[] {2, 1, 1, 2}, PadMode.REFLECT, 0));
    assertValues(
        new double[] {
          11, 12, 9, 10, 11, 12, 9, 3, 4, 1, 2, 3, 4, 1, 7, 8, 5, 6, 7, 8, 5, 11, 12, 9, 10, 11, 12,
          9, 3, 4, 1, 2, 3, 4, 1, 7, 8, 5, 6, 7, 8, 5
        },
        y.pad(new int[] {2, 1, 1, 2}, PadMode.CIRCULAR, 0));
    Tensor c = y.pad(new int[] {1, 0}, PadMode.CONSTANT, -1);
    assertArrayEquals(new long[] {1, 1, 3, 5}, c.shape());
    assertValues(new double[] {-1, 1, 2, 3, 4}, c.select(2, 0));
    assertValues(
        new double[] {1, 1, 1, 2, 3, 4, 4},
        y.select(2, 0).pad(new int[] {2, 1}, PadMode.REPLICATE, 0));
    Tensor x = ConvolutionTest.normal(5, DType.FLOAT64, 2, 3, 4, 5);
    for (PadMode m : PadMode.values()) {
      GradCheck.assertGradients(t -> t[0].pad(new int[] {1, 2, 3, 1}, m, 0), x);
    }
  }

  @Test
  void resizingAsTorch() {
    Tensor y = Tensor.arange(1, 13, 1).reshape(1, 1, 3, 4);
    // F.interpolate(y, size=(5, 7), mode=...)
    assertValues(
        new double[] {
          1.0, 1.3571429, 1.9285715, 2.5, 3.0714288, 3.6428573, 4.0, 2.6000001, 2.9571428,
          3.5285716, 4.1000004, 4.6714292, 5.2428575, 5.6000004, 5.0, 5.357143, 5.9285717, 6.5,
          7.0714293, 7.6428576, 8.0, 7.4000006, 7.757143, 8.328572, 8.900001, 9.471429, 10.042858,
          10.400001, 9.0, 9.357142, 9.928572, 10.5, 11.071429, 11.642858, 12.0
        },
        y.interpolate(5, 7, Interpolation.BILINEAR));
    assertValues(
        new double[] {
          1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 5.0, 5.5, 6.0, 6.5,
          7.0, 7.5, 8.0, 7.0, 7.5, 8.0, 8.5, 9.0, 9.5, 10.0, 9.0, 9.5, 10.0, 10.5, 11.0, 11.5, 12.0
        },
        y.interpolate(5, 7, Interpolation.BILINEAR_ALIGN_CORNERS));
    assertValues(
        new double[] {
          1, 1, 2, 2, 3, 3, 4, 1, 1, 2, 2, 3, 3, 4, 5, 5, 6, 6, 7, 7, 8, 5, 5, 6, 6, 7, 7, 8, 9, 9,
          10, 10, 11, 11, 12
        },
        y.interpolate(5, 7, Interpolation.NEAREST));
    assertArrayEquals(new long[] {1, 1, 6, 8}, y.upsample(2, Interpolation.NEAREST).shape());
    Tensor x = ConvolutionTest.normal(6, DType.FLOAT64, 2, 2, 3, 4);
    for (Interpolation m : Interpolation.values()) {
      GradCheck.assertGradients(t -> t[0].interpolate(5, 3, m), x);
    }
  }
}
