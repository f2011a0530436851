package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.dsl.data.Dataset;
import dev.quiver.dsl.data.Datasets;
import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.optim.Adam;
import dev.quiver.dsl.train.Fit;
import dev.quiver.runtime.Tensor;
import org.junit.jupiter.api.Test;

/** The acceptance test's bad inputs, as a user of fit meets them. */
class BadInputTest {
  private static final Fit FIT =
      Fit.epochs(1).batch(8).optimizer(Adam.lr(0.01)).loss(Loss.crossEntropy()).quiet();

  @Test
  void fitWithTheWrongWidth() {
    var model = Sequential.of(Dense.of(10).relu(), Dense.of(3)).input(4);
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> model.fit(Datasets.xor(16, 0.1, 1), FIT));
    assertEquals(
        "sequential (Sequential): declared with input [4] but given inputs of per-sample shape [2] "
            + "(width 4 vs 2)",
        e.getMessage());
    var built = Sequential.of(Dense.of(10).relu(), Dense.of(3));
    built.fit(Datasets.iris(), FIT);
    var e2 =
        assertThrows(
            IllegalArgumentException.class, () -> built.fit(Datasets.xor(16, 0.1, 1), FIT));
    assertTrue(e2.getMessage().contains("(width 4 vs 2)"), e2.getMessage());
  }

  @Test
  void fitWithALabelOutOfRange() {
    var data =
        Dataset.of(
            Tensor.zeros(20, 2),
            Tensor.ofInts(new int[] {0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 3}));
    var model = Sequential.of(Dense.of(3)).input(2);
    var e = assertThrows(IllegalArgumentException.class, () -> model.fit(data, FIT));
    assertEquals(
        "fit: training label 3 at row 19 is out of range for a model with 3 outputs (classes 0..2)",
        e.getMessage());
  }

  @Test
  void fitWithoutLossOrOptimizer() {
    var model = Sequential.of(Dense.of(3));
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> model.fit(Datasets.iris(), Fit.epochs(1)));
    assertTrue(e.getMessage().contains("no loss"), e.getMessage());
  }
}
