package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.Tensor;

/** max(0, x). */
public final class ReLU extends Activation implements Saveable<ReLU.Config> {
  /** A {@code ReLU} has nothing to configure; the record names it in a saved model. */
  public record Config() implements LayerConfig {
    @Override
    public ReLU create() {
      return new ReLU();
    }
  }

  @Override
  public Config config() {
    return new Config();
  }

  @Override
  protected Tensor forward(Tensor x) {
    return x.relu();
  }

  @Override
  Init preferredInit() {
    return Init.he();
  }
}
