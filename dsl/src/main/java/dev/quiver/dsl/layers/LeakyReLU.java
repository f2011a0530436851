package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.Tensor;

/** x for x > 0, alpha·x otherwise: keeps a gradient for negative inputs so units cannot die. */
public final class LeakyReLU extends Activation implements Saveable<LeakyReLU.Config> {
  private final double alpha;

  /** What a saved model holds of a LeakyReLU: its negative slope. */
  public record Config(double alpha) implements LayerConfig {
    @Override
    public LeakyReLU create() {
      return new LeakyReLU(alpha);
    }
  }

  public LeakyReLU() {
    this(0.01);
  }

  public LeakyReLU(double alpha) {
    if (!(alpha >= 0 && alpha < 1)) {
      throw new IllegalArgumentException("LeakyReLU: alpha must be in [0, 1), got " + alpha);
    }
    this.alpha = alpha;
  }

  public double alpha() {
    return alpha;
  }

  @Override
  public Config config() {
    return new Config(alpha);
  }

  @Override
  protected Tensor forward(Tensor x) {
    // relu(x) - alpha·relu(-x): composed from primitives, so autodiff needs no new op.
    return x.relu().sub(x.neg().relu().mul(alpha));
  }

  @Override
  Init preferredInit() {
    return Init.he();
  }
}
