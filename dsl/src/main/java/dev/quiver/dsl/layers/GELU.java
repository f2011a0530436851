package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.Tensor;

/**
 * Gaussian error linear unit, x·Phi(x), in the tanh form of Hendrycks and Gimpel (2016): 0.5·x·(1 +
 * tanh(sqrt(2/pi)·(x + 0.044715·x^3))), as GPT-2 and BERT use it.
 */
public final class GELU extends Activation implements Saveable<GELU.Config> {
  private static final double C = Math.sqrt(2 / Math.PI);

  /** A {@code GELU} has nothing to configure; the record names it in a saved model. */
  public record Config() implements LayerConfig {
    @Override
    public GELU create() {
      return new GELU();
    }
  }

  @Override
  public Config config() {
    return new Config();
  }

  @Override
  protected Tensor forward(Tensor x) {
    Tensor inner = x.add(x.square().mul(x).mul(0.044715)).mul(C);
    return x.mul(0.5).mul(inner.tanh().add(1));
  }

  @Override
  Init preferredInit() {
    return Init.he();
  }
}
