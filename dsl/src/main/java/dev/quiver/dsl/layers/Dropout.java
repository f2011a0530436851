package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Module;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.Tensor;

/**
 * Zeroes each input with probability p during training and scales the rest by 1/(1-p) ("inverted
 * dropout"), so that inference needs no rescaling and is the identity.
 */
public final class Dropout extends Module implements Saveable<Dropout.Config> {
  private final double p;

  /** What a saved model holds of a Dropout layer: its rate. */
  public record Config(double rate) implements LayerConfig {
    @Override
    public Dropout create() {
      return Dropout.of(rate);
    }
  }

  private Dropout(double p) {
    this.p = checkedRate("Dropout", p);
  }

  /** {@code p} when it is a rate a dropout layer can use, [0, 1); else an error naming it. */
  static double checkedRate(String layer, double p) {
    if (!(p >= 0 && p < 1)) {
      throw new IllegalArgumentException(layer + ": rate must be in [0, 1), got " + p);
    }
    return p;
  }

  /**
   * {@code x} with the positions of a random keep-mask of {@code maskShape} (broadcast over x)
   * zeroed with probability p and the rest scaled by 1/(1-p): what every dropout layer does in
   * training, differing only in the mask's shape.
   */
  static Tensor drop(Tensor x, long[] maskShape, double p, long seed) {
    Tensor keep = Tensor.rand(maskShape, seed).to(x.device()).ge(p).to(x.dtype());
    return x.mul(keep).mul(1 / (1 - p));
  }

  public static Dropout of(double rate) {
    return new Dropout(rate);
  }

  public double rate() {
    return p;
  }

  @Override
  public Config config() {
    return new Config(p);
  }

  @Override
  protected long[] onBuild(long[] sampleShape) {
    return sampleShape.clone();
  }

  @Override
  protected boolean accepts(long[] sample, long[] builtFor) {
    return true;
  }

  @Override
  protected Tensor forward(Tensor x) {
    if (!isTraining() || p == 0) {
      return x;
    }
    return drop(x, x.shape(), p, nextSeed());
  }
}
