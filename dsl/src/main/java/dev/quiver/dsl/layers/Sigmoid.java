package dev.quiver.dsl.layers;

import dev.quiver.dsl.HasOutputHead;
import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.OutputHead;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.Tensor;

/**
 * 1 / (1 + e^-x). As the last layer it marks the output as a probability (binary cross-entropy uses
 * the logits).
 */
public final class Sigmoid extends Activation implements HasOutputHead, Saveable<Sigmoid.Config> {
  /** A {@code Sigmoid} has nothing to configure; the record names it in a saved model. */
  public record Config() implements LayerConfig {
    @Override
    public Sigmoid create() {
      return new Sigmoid();
    }
  }

  @Override
  public Config config() {
    return new Config();
  }

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
