package dev.quiver.dsl.layers;

import dev.quiver.dsl.OutputHead;
import dev.quiver.runtime.Tensor;

/**
 * exp(x_i) / sum_j exp(x_j) over the last axis. As the last layer it marks the output as class
 * probabilities; cross-entropy then trains on the logits before it, which is stable.
 */
public final class Softmax extends Activation {
  @Override
  protected Tensor forward(Tensor x) {
    return x.softmax(-1);
  }

  @Override
  public OutputHead head() {
    return OutputHead.SOFTMAX;
  }

  @Override
  public Tensor applyBeforeHead(Tensor x) {
    ensureBuilt(x);
    return x;
  }
}
