package dev.quiver.dsl.loss;

import dev.quiver.dsl.OutputHead;
import dev.quiver.runtime.Tensor;

/**
 * -mean sum_c t_c · log softmax(z)_c, for one-hot or soft targets [batch, classes]; takes logits.
 */
public record OneHotCrossEntropy() implements Loss {
  @Override
  public Tensor compute(Tensor logits, Tensor target) {
    Tensor t = Targets.like("crossEntropyOneHot", logits, target);
    return t.mul(logits.logSoftmax(1)).sum(1).mean().neg();
  }

  @Override
  public Loss logitsFor(OutputHead head) {
    return head == OutputHead.SOFTMAX ? this : null;
  }

  @Override
  public String name() {
    return "cross_entropy";
  }
}
