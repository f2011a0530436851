package dev.quiver.dsl.loss;

import dev.quiver.dsl.OutputHead;
import dev.quiver.runtime.Tensor;

/**
 * -mean [t·log p + (1 - t)·log(1 - p)] on probabilities. p is clipped to [1e-7, 1 - 1e-7] so a
 * confident wrong answer costs a large finite loss instead of infinity. A model ending in sigmoid
 * is trained on its logits instead (see {@link BinaryCrossEntropyWithLogits}).
 */
public record BinaryCrossEntropy() implements Loss {
  private static final double EPS = 1e-7;

  @Override
  public Tensor compute(Tensor prediction, Tensor target) {
    Tensor t = Targets.like("bce", prediction, target);
    Tensor p = prediction.clamp(EPS, 1 - EPS);
    return t.mul(p.log()).add(t.rsub(1).mul(p.rsub(1).log())).mean().neg();
  }

  @Override
  public Loss logitsFor(OutputHead head) {
    return head == OutputHead.SIGMOID ? new BinaryCrossEntropyWithLogits() : null;
  }

  @Override
  public String name() {
    return "bce";
  }
}
