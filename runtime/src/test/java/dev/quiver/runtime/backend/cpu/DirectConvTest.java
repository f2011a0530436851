package dev.quiver.runtime.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.ConvOptions;
import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.GradCheck;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The direct convolution kernels, forced on ({@code quiver.conv.kernel=direct}), against the
 * definition's loops in double on odd sizes, kernels 1x2 to 5x5, every padding they take (even
 * "same" with its uneven split); their gradients against finite differences. Each test also checks
 * that the direct kernels did run.
 */
@Tag("cpu-only")
class DirectConvTest {

  private String saved;
  private String savedWeight;

  @BeforeEach
  void forceDirect() {
    saved = System.getProperty("quiver.conv.kernel");
    savedWeight = System.getProperty("quiver.conv.weight");
    System.setProperty("quiver.conv.kernel", "direct");
    // The channels-in-vectors weight kernel at every vector length, not only where it is chosen.
    System.setProperty("quiver.conv.weight", "channels");
  }

  @AfterEach
  void restore() {
    restore("quiver.conv.kernel", saved);
    restore("quiver.conv.weight", savedWeight);
  }

  private static void restore(String key, String value) {
    if (value == null) {
      System.clearProperty(key);
    } else {
      System.setProperty(key, value);
    }
  }

  /** Stride 1, dilation 1, one group; paddings top, bottom, left, right each in [0, k - 1]. */
  record Case(int n, int c, int h, int w, int o, int kh, int kw, int pt, int pb, int pl, int pr) {
    static Case random(long seed) {
      var r = new SplittableRandom(seed);
      while (true) {
        int kh = 1 + r.nextInt(5);
        int kw = 1 + r.nextInt(5);
        int pt = r.nextInt(kh);
        int pl = r.nextInt(kw);
        // An even split or torch's "same" with one more at the far side.
        int pb = r.nextBoolean() || pt + 1 > kh - 1 ? pt : pt + 1;
        int pr = r.nextBoolean() || pl + 1 > kw - 1 ? pl : pl + 1;
        var k =
            new Case(
                1 + r.nextInt(3),
                1 + r.nextInt(6),
                2 + r.nextInt(12),
                2 + r.nextInt(12),
                1 + r.nextInt(9),
                kh,
                kw,
                pt,
                pb,
                pl,
                pr);
        if (k.outH() >= 1 && k.outW() >= 1 && kh * kw > 1) {
          return k;
        }
      }
    }

    int outH() {
      return h + pt + pb - kh + 1;
    }

    int outW() {
      return w + pl + pr - kw + 1;
    }

    /** Symmetric padding, or "same" for the uneven split. */
    ConvOptions options() {
      return pb == pt && pr == pl
          ? ConvOptions.defaults().padding(pt, pl)
          : ConvOptions.defaults().paddingSame();
    }
  }

  /** A case whose padding torch's options can express: symmetric, or "same". */
  static Case expressible(long seed) {
    for (long s = seed; ; s += 1000) {
      Case k = Case.random(s);
      boolean same =
          k.pt == (k.kh - 1) / 2 && k.pb == k.kh / 2 && k.pl == (k.kw - 1) / 2 && k.pr == k.kw / 2;
      if ((k.pt == k.pb && k.pl == k.pr) || same) {
        return k;
      }
    }
  }

  static double[] reference(Case k, double[] x, double[] w) {
    int oh = k.outH();
    int ow = k.outW();
    double[] out = new double[k.n * k.o * oh * ow];
    for (int n = 0; n < k.n; n++) {
      for (int o = 0; o < k.o; o++) {
        for (int i = 0; i < oh; i++) {
          for (int j = 0; j < ow; j++) {
            double s = 0;
            for (int c = 0; c < k.c; c++) {
              for (int p = 0; p < k.kh; p++) {
                for (int q = 0; q < k.kw; q++) {
                  int y = i + p - k.pt;
                  int z = j + q - k.pl;
                  if (y >= 0 && y < k.h && z >= 0 && z < k.w) {
                    s +=
                        x[((n * k.c + c) * k.h + y) * k.w + z]
                            * w[((o * k.c + c) * k.kh + p) * k.kw + q];
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

  static Tensor normal(long seed, long... shape) {
    var r = new SplittableRandom(seed);
    int size = 1;
    for (long d : shape) {
      size *= (int) d;
    }
    double[] v = new double[size];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextGaussian();
    }
    return Tensor.of(v, shape);
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

  /** Forward, input and weight gradients in float32 (the direct kernels) and float64 (im2col). */
  private static void checkAgainstDefinition(Case k, long seed) {
    Tensor x64 = normal(seed, k.n, k.c, k.h, k.w);
    Tensor w64 = normal(seed + 1, k.o, k.c, k.kh, k.kw);
    Tensor up64 = normal(seed + 2, k.n, k.o, k.outH(), k.outW());
    long before = DirectConv.calls();
    Tensor x = x64.to(DType.FLOAT32).requiresGrad();
    Tensor w = w64.to(DType.FLOAT32).requiresGrad();
    Tensor y = x.conv2d(w, null, k.options());
    assertClose(
        reference(k, x64.toDoubleArray(), w64.toDoubleArray()),
        y.toDoubleArray(),
        1e-4,
        "forward " + k);
    y.backward(up64.to(DType.FLOAT32));
    assertEquals(before + 3, DirectConv.calls(), "the direct kernels ran for " + k);
    Tensor xd = x64.requiresGrad();
    Tensor wd = w64.requiresGrad();
    xd.conv2d(wd, null, k.options()).backward(up64);
    assertClose(xd.grad().toDoubleArray(), x.grad().toDoubleArray(), 1e-4, "dx " + k);
    assertClose(wd.grad().toDoubleArray(), w.grad().toDoubleArray(), 1e-4, "dw " + k);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
  void matchesTheDefinitionOnOddSizes(long seed) {
    checkAgainstDefinition(expressible(seed), seed);
  }

  @Test
  void aBatchSpreadOverTheWorkersAndManyChannelBlocks() {
    // More channels than one register tile; a sample's positions longer than one slice of the
    // weight gradient (2 048 floats): here three slices, the last one partial.
    checkAgainstDefinition(new Case(5, 7, 37, 41, 13, 3, 3, 1, 1, 1, 1), 7);
    checkAgainstDefinition(new Case(2, 3, 83, 61, 6, 3, 3, 1, 1, 1, 1), 10);
    checkAgainstDefinition(new Case(1, 9, 23, 19, 6, 3, 3, 1, 1, 1, 1), 8);
    checkAgainstDefinition(new Case(3, 2, 9, 8, 5, 4, 4, 1, 2, 1, 2), 9);
  }

  /** Output channels that fill {@code tiles} tiles of the channels-in-vectors weight kernel. */
  private static Case channelTiles(Case r, int tiles) {
    int o = tiles * DirectConvWeight.MV * DirectConv.L;
    return new Case(r.n, r.c, r.h, r.w, o, r.kh, r.kw, r.pt, r.pb, r.pl, r.pr);
  }

  @ParameterizedTest
  @ValueSource(longs = {31, 32, 33, 34, 35, 36, 37, 38})
  void theChannelsInVectorsWeightGradientMatchesTheDefinition(long seed) {
    // As many output channels as whole tiles of vectors hold, whatever this JVM's vector length
    // (the suite runs at 16, 8 and 4 floats): the weight gradient takes the channels-in-vectors
    // kernel. Odd sizes, kernels 1x2 to 5x5, one to three samples, one or two channel blocks.
    Case k = channelTiles(expressible(seed), 1 + (int) (seed % 2));
    assertTrue(DirectConvWeight.channelsInVectors(geometry(k)), "channels in vectors for " + k);
    checkAgainstDefinition(k, seed);
  }

  @Test
  void theChannelsInVectorsWeightGradientOverManyRowSlicesAndWorkers() {
    // Rows longer and more numerous than one slice of the transposed output gradient; a batch
    // spread over the workers, and a single sample whose channel blocks are spread instead.
    checkAgainstDefinition(channelTiles(new Case(3, 3, 40, 37, 0, 3, 3, 1, 1, 1, 1), 1), 11);
    checkAgainstDefinition(channelTiles(new Case(1, 2, 23, 29, 0, 5, 5, 2, 2, 2, 2), 2), 12);
    assertFalse(
        DirectConvWeight.channelsInVectors(geometry(new Case(1, 2, 5, 5, 7, 3, 3, 1, 1, 1, 1))),
        "7 output channels take the positions-in-vectors kernel");
  }

  private static dev.quiver.runtime.backend.ConvGeometry geometry(Case k) {
    return new dev.quiver.runtime.backend.ConvGeometry(
        k.n, k.c, k.h, k.w, k.o, k.kh, k.kw, 1, 1, k.pt, k.pl, 1, 1, 1, k.outH(), k.outW());
  }

  @ParameterizedTest
  @ValueSource(longs = {21, 22, 23, 24, 25, 26, 27})
  void gradientsMatchFiniteDifferences(long seed) {
    // Seeds 26 and 27: output channels for the channels-in-vectors weight kernel, 200 entries
    // sampled per input.
    Case k = seed < 26 ? expressible(seed) : channelTiles(expressible(seed), 1);
    long before = DirectConv.calls();
    GradCheck.assertGradients(
        (seed < 26 ? GradCheck.Options.defaults() : GradCheck.Options.defaults().sample(200))
            .eps(1e-2)
            .atol(2e-3)
            .rtol(2e-3),
        t ->
            t[0].to(DType.FLOAT32)
                .conv2d(t[1].to(DType.FLOAT32), null, k.options())
                .to(DType.FLOAT64),
        normal(seed, k.n, k.c, k.h, k.w),
        normal(seed + 1, k.o, k.c, k.kh, k.kw));
    assertTrue(DirectConv.calls() >= before + 3, "the direct kernels ran for " + k);
  }

  @Test
  void appliesOnlyToStrideOneUngroupedConvolutions() {
    assertTrue(DirectConv.applies(geometry(3, 3, 1, 1, 1, 1)));
    assertFalse(DirectConv.applies(geometry(3, 3, 2, 1, 1, 1)), "stride 2");
    assertFalse(DirectConv.applies(geometry(3, 3, 1, 2, 2, 1)), "dilation 2");
    assertFalse(DirectConv.applies(geometry(4, 3, 1, 1, 1, 2)), "groups 2");
    assertFalse(DirectConv.applies(geometry(1, 1, 1, 1, 0, 1)), "1x1 is a plain product already");
    assertFalse(DirectConv.applies(geometry(3, 3, 1, 1, 3, 1)), "padding past k - 1");
  }

  private static dev.quiver.runtime.backend.ConvGeometry geometry(
      int c, int k, int stride, int dilation, int pad, int groups) {
    int h = 10;
    int out = (h + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
    return new dev.quiver.runtime.backend.ConvGeometry(
        2, c, h, h, 4, k, k, stride, stride, pad, pad, dilation, dilation, groups, out, out);
  }
}
