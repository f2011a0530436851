package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.dsl.compress.Pruning;
import dev.quiver.dsl.compress.Quantization;
import dev.quiver.dsl.layers.AvgPool2d;
import dev.quiver.dsl.layers.BatchNorm2d;
import dev.quiver.dsl.layers.Conv1d;
import dev.quiver.dsl.layers.Conv2d;
import dev.quiver.dsl.layers.ConvTranspose2d;
import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.layers.Dropout2d;
import dev.quiver.dsl.layers.Flatten;
import dev.quiver.dsl.layers.GlobalAvgPool2d;
import dev.quiver.dsl.layers.MaxPool2d;
import dev.quiver.dsl.layers.Reshape;
import dev.quiver.dsl.layers.Upsample;
import dev.quiver.runtime.ConvOptions;
import dev.quiver.runtime.DType;
import dev.quiver.runtime.PoolOptions;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.GradCheck;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConvLayerTest {
  @TempDir Path dir;

  @Test
  void conv2dHasTorchsParameterNamesAndShapes() {
    var conv = Conv2d.of(8, 3).input(3, 10, 12).seed(1);
    var params = conv.namedParams();
    assertEquals(List.of("weight", "bias"), List.copyOf(params.keySet()));
    assertArrayEquals(new long[] {8, 3, 3, 3}, params.get("weight").shape());
    assertArrayEquals(new long[] {8}, params.get("bias").shape());
    assertArrayEquals(new long[] {8, 8, 10}, conv.outputShape());
    assertEquals(8 * 3 * 9 + 8, conv.countParams());
    var t = ConvTranspose2d.of(4, 2).stride(2).input(6, 5, 5);
    assertArrayEquals(new long[] {6, 4, 2, 2}, t.weight().shape());
    assertArrayEquals(new long[] {4, 10, 10}, t.outputShape());
    var c1 = Conv1d.of(5, 3).paddingSame().input(2, 9);
    assertArrayEquals(new long[] {5, 2, 3}, c1.weight().shape());
    assertArrayEquals(new long[] {5, 9}, c1.outputShape());
  }

  @Test
  void conv2dComputesTheRuntimeOpWithItsSettingsAndActivation() {
    var conv = Conv2d.of(4, 3).stride(2).padding(1).groups(2).relu().seed(3);
    Tensor x = Tensor.randn(new long[] {2, 6, 9, 7}, 4);
    Tensor y = conv.apply(x);
    assertArrayEquals(new long[] {2, 4, 5, 4}, y.shape());
    assertArrayEquals(new long[] {4, 3, 3, 3}, conv.weight().shape());
    ConvOptions o = ConvOptions.defaults().stride(2).padding(1).groups(2);
    Tensor expected = x.conv2d(conv.weight().value(), conv.bias().value(), o).relu();
    assertArrayEquals(expected.toFloatArray(), y.toFloatArray(), 1e-6f);
  }

  @Test
  void convLayerGradientsPassTheChecker() {
    var conv = Conv2d.of(3, 3).padding(1).dilation(1).seed(5).input(2, 5, 6);
    conv.to(DType.FLOAT64);
    Tensor x = Tensor.randn(new long[] {2, 2, 5, 6}, 6).to(DType.FLOAT64);
    GradCheck.assertGradients(
        in -> {
          conv.weight().set(in[1]);
          conv.bias().set(in[2]);
          return conv.apply(in[0]);
        },
        x,
        conv.weight().value(),
        conv.bias().value());
    var bn = BatchNorm2d.of();
    bn.build(2, 5, 6);
    bn.to(DType.FLOAT64);
    GradCheck.assertGradients(
        in -> {
          bn.weight().set(in[1]);
          bn.bias().set(in[2]);
          return bn.apply(in[0]);
        },
        x,
        bn.weight().value().mul(1.5).detach().requiresGrad(),
        bn.bias().value().add(0.5).detach().requiresGrad());
  }

  @Test
  void poolingLayersFollowTheirOptions() {
    Tensor x = Tensor.randn(new long[] {2, 3, 7, 7}, 8);
    var max = MaxPool2d.of(3).stride(2).padding(1);
    assertArrayEquals(
        x.maxPool2d(PoolOptions.kernel(3).stride(2).padding(1)).toFloatArray(),
        max.apply(x).toFloatArray());
    assertArrayEquals(new long[] {3, 4, 4}, max.outputShape());
    var avg = AvgPool2d.of(2).ceilMode();
    assertArrayEquals(new long[] {2, 3, 4, 4}, avg.apply(x).shape());
    var global = GlobalAvgPool2d.of();
    Tensor g = global.apply(x);
    assertArrayEquals(new long[] {2, 3}, g.shape());
    assertEquals(x.select(0, 1).select(0, 2).mean().item(), g.get(1, 2), 1e-6);
  }

  @Test
  void batchNorm2dNormalizesEachChannelAndKeepsRunningStatistics() {
    var bn = BatchNorm2d.of();
    Tensor x = Tensor.randn(new long[] {8, 2, 4, 4}, 9).mul(3).add(5);
    Tensor y = bn.apply(x);
    for (int c = 0; c < 2; c++) {
      Tensor channel = y.select(1, c);
      assertEquals(0, channel.mean().item(), 1e-5);
      assertEquals(1, channel.square().mean().item(), 1e-3);
    }
    assertEquals(List.of("weight", "bias"), List.copyOf(bn.namedParams().keySet()));
    assertEquals(List.of("running_mean", "running_var"), List.copyOf(bn.namedBuffers().keySet()));
    double batchMean = x.select(1, 0).mean().item();
    assertEquals(0.1 * batchMean, bn.runningMean().get(0), 1e-5);
    bn.eval();
    // In eval the running statistics are used: mean 0.1·m, variance 0.9 + 0.1·v.
    double rv = bn.runningVar().get(0);
    double expected = (x.get(0, 0, 0, 0) - 0.1 * batchMean) / Math.sqrt(rv + 1e-5);
    assertEquals(expected, bn.apply(x).get(0, 0, 0, 0), 1e-4);
  }

  @Test
  void dropout2dDropsWholeChannels() {
    var d = Dropout2d.of(0.5).seed(2);
    Tensor y = d.apply(Tensor.ones(20, 10, 3, 3));
    int dropped = 0;
    for (int n = 0; n < 20; n++) {
      for (int c = 0; c < 10; c++) {
        double first = y.get(n, c, 0, 0);
        assertTrue(first == 0 || first == 2, "kept channels are scaled by 2: " + first);
        assertEquals(9 * first, y.select(0, n).select(0, c).sum().item(), 1e-6);
        dropped += first == 0 ? 1 : 0;
      }
    }
    assertEquals(100, dropped, 25);
    d.eval();
    assertEquals(1800, d.apply(Tensor.ones(20, 10, 3, 3)).sum().item(), 1e-6);
  }

  @Test
  void reshapeAndUpsampleGiveTheirShapes() {
    var r = Reshape.of(1, 4, -1);
    assertArrayEquals(new long[] {3, 1, 4, 4}, r.apply(Tensor.zeros(3, 16)).shape());
    var u = Upsample.of(2);
    Tensor img = Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 2, 2);
    assertArrayEquals(
        new float[] {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, u.apply(img).toFloatArray());
    var bad = assertThrows(IllegalArgumentException.class, () -> Reshape.of(5, -1).build(12));
    assertTrue(
        bad.getMessage().contains("[12]") && bad.getMessage().contains("[5, -1]"), bad::getMessage);
  }

  @Test
  void flatFeaturesIntoAConvNameTheLayerAndTheWayOut() {
    var conv = Conv2d.of(4, 3);
    var e = assertThrows(IllegalArgumentException.class, () -> conv.apply(Tensor.zeros(2, 784)));
    assertTrue(e.getMessage().contains("conv2d (Conv2d)"), e::getMessage);
    assertTrue(e.getMessage().contains("[784]") && e.getMessage().contains("NCHW"), e::getMessage);
    var grouped = Conv2d.of(4, 3).groups(3);
    e = assertThrows(IllegalArgumentException.class, () -> grouped.build(6, 8, 8));
    assertTrue(e.getMessage().contains("groups 3"), e::getMessage);
    var small = Conv2d.of(4, 5);
    e = assertThrows(IllegalArgumentException.class, () -> small.build(1, 3, 3));
    assertTrue(e.getMessage().contains("conv2d"), e::getMessage);
  }

  private static Sequential cnn() {
    return Sequential.of(
            Conv2d.of(4, 3).paddingSame().relu(),
            BatchNorm2d.of(),
            MaxPool2d.of(2),
            Dropout2d.of(0.1),
            Conv2d.of(6, 3).groups(2).noBias(),
            AvgPool2d.of(2).ceilMode(),
            ConvTranspose2d.of(3, 2).stride(2),
            Upsample.of(2).bilinear(),
            GlobalAvgPool2d.of(),
            Reshape.of(3),
            Flatten.of(),
            Dense.of(5))
        .input(2, 12, 12)
        .seed(11);
  }

  @Test
  void aConvolutionalModelSavesLoadsAndSummarizes() {
    var model = cnn();
    Tensor x = Tensor.randn(new long[] {4, 2, 12, 12}, 12);
    model.train();
    model.apply(x); // moves the running statistics
    model.eval();
    Path file = dir.resolve("cnn");
    Models.save(model, file);
    var loaded = Models.load(file);
    assertEquals(model.summary().toString(), loaded.summary().toString());
    assertArrayEquals(model.predict(x).toFloatArray(), loaded.predict(x).toFloatArray());
    String summary = model.summary().toString();
    assertTrue(summary.contains("[-1, 4, 12, 12]"), summary);
    assertTrue(summary.contains("[-1, 3]"), summary);
  }

  @Test
  void pruningAndQuantizationReachConvWeights() {
    var model = cnn();
    long convWeights = 4 * 2 * 9 + 6 * 2 * 9 + 6 * 3 * 4 + 3 * 5;
    var pruned = Pruning.magnitude(model, 0.5);
    assertEquals(convWeights, pruned.weights());
    var conv = (Conv2d) model.children().values().iterator().next();
    long zeros = 0;
    for (float v : conv.weight().value().toFloatArray()) {
      zeros += v == 0 ? 1 : 0;
    }
    assertEquals(36, zeros);
    var quantized = Quantization.int8(cnn());
    assertEquals(convWeights, quantized.weights());
  }
}
