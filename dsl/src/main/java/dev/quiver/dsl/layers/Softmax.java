package dev.quiver.dsl.layers;

import dev.quiver.dsl.HasOutputHead;
import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.OutputHead;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.Tensor;

/**
 * exp(x_i) / sum_j exp(x_j) over the last axis. As the last layer it marks the output as class
 * probabilities; cross-entropy then trains on the logits before it, which is stable.
 */
public final class Softmax extends Activation implements HasOutputHead, Saveable<Softmax.Config> {
  /** A {@code Softmax} has nothing to configure; the record names it in a saved model. */
  public record Config() implements LayerConfig {
    @Override
    public Softmax create() {
      return new Softmax();
    }
  }

  @Override
  public Config config() {
    return new Config();
  }

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
