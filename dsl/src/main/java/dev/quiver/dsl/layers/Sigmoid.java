package dev.quiver.dsl.layers;

import dev.quiver.dsl.OutputHead;
import dev.quiver.runtime.Tensor;

/** 1 / (1 + e^-x). As the last layer it marks the output as a probability (binary cross-entropy uses the logits). */
public final class Sigmoid extends Activation {
  @Override
  protected Tensor forward(Tensor x) {
    return x.sigmoid();
  }

  @Override
  public OutputHead head() {
    return OutputHead.SIGMOID;
  }

  @Override
  public Tensor applyBeforeHead(Tensor x) {
    ensureBuilt(x);
    return x;
  }
}
