package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.loss.Penalty;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.GradCheck;
import java.util.List;
import org.junit.jupiter.api.Test;

class LossTest {
  private static final double LN2 = Math.log(2);

  @Test
  void valuesMatchHandComputation() {
    Tensor y = Tensor.of(1f, 2f);
    Tensor t = Tensor.of(0f, 0f);
    assertEquals(2.5, Loss.mse().compute(y, t).item(), 1e-6);
    assertEquals(1.5, Loss.mae().compute(y, t).item(), 1e-6);
    // |d| = 0.5 is quadratic (0.125); |d| = 3 is linear: 1·(3 - 0.5) = 2.5.
    assertEquals((0.125 + 2.5) / 2, Loss.huber(1).compute(Tensor.of(0.5f, 3f), t).item(), 1e-6);
    assertEquals(-Math.log(0.8), Loss.bce().compute(Tensor.of(0.8f), Tensor.of(1f)).item(), 1e-6);
    assertEquals(LN2, Loss.bceWithLogits().compute(Tensor.of(0f), Tensor.of(1f)).item(), 1e-6);
    assertEquals(
        Math.log(3),
        Loss.crossEntropy().compute(Tensor.zeros(1, 3), Tensor.ofInts(2)).item(),
        1e-6);
    assertEquals(
        Math.log(3),
        Loss.crossEntropyOneHot()
            .compute(Tensor.zeros(1, 3), Tensor.of(new float[] {0, 0, 1}, 1, 3))
            .item(),
        1e-6);
  }

  @Test
  void logitLossesAreStableForHugeLogits() {
    // A naive log(sigmoid(-1000)) or log(softmax) would give -inf; the stable forms give the exact
    // 1000.
    assertEquals(1000, Loss.bceWithLogits().compute(Tensor.of(1000f), Tensor.of(0f)).item(), 1e-3);
    assertEquals(
        1000,
        Loss.crossEntropy()
            .compute(Tensor.of(new float[] {1000, 0}, 1, 2), Tensor.ofInts(1))
            .item(),
        1e-3);
    double bce = Loss.bce().compute(Tensor.of(0f), Tensor.of(1f)).item();
    assertTrue(Double.isFinite(bce) && bce > 15, "clipped bce of a confident wrong answer: " + bce);
  }

  @Test
  void targetsOfShapeNAreAcceptedForOutputsNBy1() {
    assertEquals(1, Loss.mse().compute(Tensor.ones(3, 1), Tensor.zeros(3)).item(), 1e-6);
  }

  @Test
  void crossEntropyNamesLabelsOutOfRange() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Loss.crossEntropy().compute(Tensor.zeros(2, 3), Tensor.ofInts(1, 3)));
    assertTrue(
        e.getMessage().contains("label 3 at row 1 is out of range for 3 classes"), e.getMessage());
  }

  @Test
  void shapeMismatchNamesBothShapes() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Loss.mse().compute(Tensor.zeros(4, 2), Tensor.zeros(4, 3)));
    assertTrue(
        e.getMessage().contains("[4,2]") && e.getMessage().contains("[4,3]"), e.getMessage());
  }

  @Test
  void gradientsPassTheChecker() {
    Tensor pred = Tensor.randn(new long[] {4, 3}, 1);
    Tensor target = Tensor.randn(new long[] {4, 3}, 2);
    GradCheck.assertGradients(x -> Loss.mse().compute(x[0], x[1]), pred, target);
    GradCheck.assertGradients(x -> Loss.mae().compute(x[0], x[1]), pred, target);
    // delta 0.7 keeps |d| away from the kink at delta for these seeds' values.
    GradCheck.assertGradients(x -> Loss.huber(0.7).compute(x[0], x[1]), pred, target);
    Tensor probs = Tensor.rand(new long[] {4, 3}, 3).mul(0.8).add(0.1);
    Tensor bits = Tensor.rand(new long[] {4, 3}, 4).gt(0.5).to(probs.dtype());
    GradCheck.assertGradients(x -> Loss.bce().compute(x[0], x[1]), probs, bits);
    GradCheck.assertGradients(x -> Loss.bceWithLogits().compute(x[0], x[1]), pred, bits);
    GradCheck.assertGradients(
        x -> Loss.crossEntropy().compute(x[0], x[1]), pred, Tensor.ofInts(0, 2, 1, 2));
    GradCheck.assertGradients(
        x -> Loss.crossEntropyOneHot().compute(x[0], x[1]), pred, bits.div(3));
    GradCheck.assertGradients(
        x -> Penalty.l2(0.1).of(List.of(x[0])).add(Penalty.l1(0.2).of(List.of(x[0]))), pred);
  }

  @Test
  void penaltiesAreLambdaTimesNorms() {
    Tensor w = Tensor.of(1f, -2f);
    assertEquals(0.5, Penalty.l2(0.1).of(List.of(w)).item(), 1e-6);
    assertEquals(0.3, Penalty.l1(0.1).of(List.of(w)).item(), 1e-6);
  }
}
