package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.Tensor;

/** tanh(x). */
public final class Tanh extends Activation implements Saveable<Tanh.Config> {
  /** A {@code Tanh} has nothing to configure; the record names it in a saved model. */
  public record Config() implements LayerConfig {
    @Override
    public Tanh create() {
      return new Tanh();
    }
  }

  @Override
  public Config config() {
    return new Config();
  }

  @Override
  protected Tensor forward(Tensor x) {
    return x.tanh();
  }
}
