package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Module;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.Tensor;
import java.util.Arrays;

/**
 * Zeroes whole channels of {@code [batch, C, H, W]} with probability p during training and scales
 * the rest by 1/(1-p): torch's {@code nn.Dropout2d}. Neighbouring pixels of a feature map are
 * strongly correlated, so dropping single pixels (plain {@link Dropout}) hardly regularizes a
 * convolution; dropping a channel does. The identity in {@code eval()}.
 */
public final class Dropout2d extends Module implements Saveable<Dropout2d.Config> {
  private final double p;

  /** What a saved model holds of a Dropout2d layer: its rate. */
  public record Config(double rate) implements LayerConfig {
    @Override
    public Dropout2d create() {
      return Dropout2d.of(rate);
    }
  }

  private Dropout2d(double p) {
    this.p = Dropout.checkedRate("Dropout2d", p);
  }

  public static Dropout2d of(double rate) {
    return new Dropout2d(rate);
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
    if (sampleShape.length != 3) {
      throw new IllegalArgumentException(
          describe()
              + ": expects inputs [batch, channels, height, width], got per-sample shape "
              + Arrays.toString(sampleShape));
    }
    return sampleShape.clone();
  }

  @Override
  protected Tensor forward(Tensor x) {
    if (!isTraining() || p == 0) {
      return x;
    }
    return Dropout.drop(x, new long[] {x.size(0), x.size(1), 1, 1}, p, nextSeed());
  }
}
