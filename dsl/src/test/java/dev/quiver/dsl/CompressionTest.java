package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.dsl.compress.Pruning;
import dev.quiver.dsl.compress.Quantization;
import dev.quiver.dsl.data.Datasets;
import dev.quiver.dsl.data.Split;
import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.metrics.Metric;
import dev.quiver.dsl.optim.Adam;
import dev.quiver.dsl.train.Fit;
import org.junit.jupiter.api.Test;

class CompressionTest {
  private static Sequential trained(Split iris) {
    var model =
        Sequential.of(Dense.of(10).relu(), Dense.of(8).relu(), Dense.of(3).softmax())
            .input(4)
            .seed(42);
    model.fit(
        iris.train(),
        Fit.epochs(60)
            .batch(16)
            .optimizer(Adam.lr(0.01))
            .loss(Loss.crossEntropy())
            .metrics(Metric.accuracy())
            .quiet());
    return model;
  }

  @Test
  void pruningReachesTheSparsityAndKeepsMostAccuracy() {
    var iris = Datasets.iris().split(0.8, 42).standardize();
    var model = trained(iris);
    double before = model.evaluate(iris.test()).accuracy();
    var report = Pruning.magnitude(model, 0.5);
    double after = model.evaluate(iris.test()).accuracy();
    System.out.printf("pruning: %s; accuracy %.3f -> %.3f%n", report, before, after);
    assertEquals(40 + 80 + 24, report.weights());
    assertEquals(20 + 40 + 12, report.nonZero());
    assertTrue(after >= before - 0.2, "accuracy after 50% pruning " + after);
  }

  @Test
  void int8QuantizationKeepsAccuracyAndQuartersTheSize() {
    var iris = Datasets.iris().split(0.8, 42).standardize();
    var model = trained(iris);
    double before = model.evaluate(iris.test()).accuracy();
    var report = Quantization.int8(model);
    double after = model.evaluate(iris.test()).accuracy();
    System.out.printf("int8: %s; accuracy %.3f -> %.3f%n", report, before, after);
    assertEquals(4 * 144, report.bytesBefore());
    assertEquals(144 + 12, report.bytesAfter());
    assertTrue(
        Math.abs(after - before) <= 1 / 30.0 + 1e-9, "int8 accuracy " + before + " -> " + after);
  }
}
