package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.dsl.data.Dataset;
import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.optim.SGD;
import dev.quiver.dsl.train.Fit;
import dev.quiver.dsl.train.TrainingDiverged;
import dev.quiver.runtime.Tensor;
import org.junit.jupiter.api.Test;

/** Errors in fit speak of what the user wrote: their split, their data. */
class TrainingErrorsSpeakOfTheUsersCodeTest {
  @Test
  void aValidationSplitThatHoldsOutNothingSaysSoInTheUsersTerms() {
    var data = Dataset.of(Tensor.of(new float[] {1, 2, 3, 4}, 2, 2), Tensor.of(1f, 2f));
    var model = Sequential.of(Dense.of(1)).input(2);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                model.fit(
                    data,
                    Fit.epochs(1)
                        .optimizer(SGD.lr(0.1))
                        .loss(Loss.mse())
                        .validationSplit(0.1)
                        .quiet()));
    assertEquals(
        "fit: validationSplit(0.1) of 2 rows holds out no row for validation; use more rows or a"
            + " larger split",
        e.getMessage());
  }

  @Test
  void nanInTheInputDataIsBlamedOnTheDataNotTheLearningRate() {
    float[] x = {1, 2, 3, 4, 5, Float.NaN, 7, 8};
    var data = Dataset.of(Tensor.of(x, 4, 2), Tensor.of(1f, 2f, 3f, 4f));
    var model = Sequential.of(Dense.of(1)).seed(1).input(2);
    var e =
        assertThrows(
            TrainingDiverged.class,
            () ->
                model.fit(
                    data, Fit.epochs(1).batch(4).optimizer(SGD.lr(0.01)).loss(Loss.mse()).quiet()));
    assertTrue(
        e.getMessage()
            .matches(
                "fit: the loss became NaN at step 0 \\(epoch 1, batch 1\\) because the batch's"
                    + " inputs are not finite: NaN at row \\d of the batch, value 1 of that row\\."
                    + " Clean the data.*"),
        e.getMessage());
    assertFalse(e.getMessage().contains("learning rate"), e.getMessage());
  }
}
