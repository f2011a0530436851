package dev.quiver.dsl.loss;

import dev.quiver.dsl.OutputHead;
import dev.quiver.runtime.Tensor;

/**
 * Softmax cross-entropy from class indices that skips every position whose target is {@code
 * ignored} (torch's {@code ignore_index}): the mean of -log softmax(z)[label] over the other
 * positions only, so the padding of a batch of sequences changes neither the loss nor its
 * gradients. Takes logits [batch, classes] or [batch, seq, classes] with targets [batch] or [batch,
 * seq]; a batch with nothing but padding has loss 0.
 */
public record MaskedCrossEntropy(int ignored) implements Loss {
  @Override
  public Tensor compute(Tensor logits, Tensor target) {
    if (logits.dim() > 2 && target.dim() == logits.dim() - 1) {
      long classes = logits.size(-1);
      logits = logits.reshape(-1, classes);
      target = target.reshape(-1);
    }
    if (logits.dim() != 2 || target.dim() != 1 || target.size(0) != logits.size(0)) {
      throw new IllegalArgumentException(
          name()
              + ": expects logits [batch, classes] with targets [batch], or [batch, seq, classes]"
              + " with [batch, seq]; got "
              + logits.shapeString()
              + " and "
              + target.shapeString());
    }
    long classes = logits.size(1);
    int[] labels = target.to(dev.quiver.runtime.DType.INT32).toIntArray();
    float[] keep = new float[labels.length];
    int kept = 0;
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] == ignored) {
        labels[i] = 0; // any valid index: its term is multiplied by 0
        continue;
      }
      if (labels[i] < 0 || labels[i] >= classes) {
        throw new IllegalArgumentException(
            name()
                + ": label "
                + labels[i]
                + " at position "
                + i
                + " is out of range for "
                + classes
                + " classes (0.."
                + (classes - 1)
                + ") and is not the ignored "
                + ignored);
      }
      keep[i] = 1;
      kept++;
    }
    Tensor idx = Tensor.ofInts(labels, labels.length, 1).to(logits.device());
    Tensor mask = Tensor.of(keep, labels.length, 1).to(logits.dtype()).to(logits.device());
    Tensor picked = logits.logSoftmax(1).gather(1, idx);
    return picked.mul(mask).sum().div(Math.max(kept, 1)).neg();
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
