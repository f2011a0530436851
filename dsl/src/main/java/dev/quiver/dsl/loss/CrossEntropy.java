package dev.quiver.dsl.loss;

import dev.quiver.dsl.OutputHead;
import dev.quiver.runtime.Tensor;

/**
 * Softmax cross-entropy from class indices: -mean log softmax(z)[label], with log softmax as z -
 * logsumexp(z), which is stable for any logits. Takes logits; a model ending in softmax is trained
 * on the logits before it. Sequence outputs [batch, seq, classes] with targets [batch, seq] are
 * averaged over every position.
 */
public record CrossEntropy() implements Loss {
  @Override
  public Tensor compute(Tensor logits, Tensor target) {
    if (logits.dim() > 2 && target.dim() == logits.dim() - 1) {
      // A sequence model's [batch, seq, classes] against [batch, seq]: every position is a sample.
      long classes = logits.size(-1);
      logits = logits.reshape(-1, classes);
      target = target.reshape(-1);
    }
    Tensor labels = Targets.classIndices("crossEntropy", logits, target);
    Tensor picked = logits.logSoftmax(1).gather(1, labels.reshape(labels.size(0), 1));
    return picked.mean().neg();
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
