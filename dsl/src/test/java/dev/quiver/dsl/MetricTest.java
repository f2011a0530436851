package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.dsl.metrics.ConfusionMatrix;
import dev.quiver.dsl.metrics.Metric;
import dev.quiver.dsl.metrics.Predictions;
import dev.quiver.runtime.Tensor;
import org.junit.jupiter.api.Test;

class MetricTest {
  // true 0 0 1 1 2, predicted 0 1 1 1 0 (as one-hot-ish scores)
  private static final Predictions P =
      Predictions.of(
          Tensor.of(new float[] {1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0}, 5, 3),
          Tensor.ofInts(0, 0, 1, 1, 2),
          0.5);

  @Test
  void confusionMatrixAndScoresByHand() {
    var cm = ConfusionMatrix.of(P);
    assertEquals(1, cm.counts()[0][0]);
    assertEquals(1, cm.counts()[0][1]);
    assertEquals(2, cm.counts()[1][1]);
    assertEquals(1, cm.counts()[2][0]);
    assertEquals(0.6, cm.accuracy(), 1e-12);
    assertEquals(0.5, cm.precision(0), 1e-12);
    assertEquals(0.5, cm.recall(0), 1e-12);
    assertEquals(2.0 / 3, cm.precision(1), 1e-12);
    assertEquals(1, cm.recall(1), 1e-12);
    assertEquals(0, cm.precision(2), 1e-12); // never predicted: 0 by convention
    assertEquals((0.5 + 2.0 / 3 + 0) / 3, Metric.precision().compute(P), 1e-12);
    assertEquals((0.5 + 1 + 0) / 3, Metric.recall().compute(P), 1e-12);
    assertEquals((0.5 + 0.8 + 0) / 3, Metric.f1().compute(P), 1e-12);
    assertTrue(cm.toString().contains("accuracy 0.600"));
    assertEquals(3, cm.perClass().size());
  }

  @Test
  void binaryThresholdAndRegression() {
    var bin =
        Predictions.of(
            Tensor.of(new float[] {0.9f, 0.2f, 0.6f, 0.4f}, 4, 1), Tensor.ofInts(1, 0, 0, 0), 0.5);
    assertEquals(0.75, Metric.accuracy().compute(bin), 1e-12);
    var reg = Predictions.of(Tensor.of(1f, 2f, 3f), Tensor.of(1f, 2f, 5f), 0.5);
    assertEquals(4.0 / 3, Metric.mse().compute(reg), 1e-6);
    assertEquals(2.0 / 3, Metric.mae().compute(reg), 1e-6);
    // SS_tot = (1-8/3)^2 + (2-8/3)^2 + (5-8/3)^2 = 26/3; SS_res = 4
    assertEquals(1 - 4 / (26.0 / 3), Metric.r2().compute(reg), 1e-6);
  }
}
