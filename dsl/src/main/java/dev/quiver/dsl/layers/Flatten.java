package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Module;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.Tensor;

/** [batch, d1, d2, ...] -> [batch, d1·d2·...]. */
public final class Flatten extends Module implements Saveable<Flatten.Config> {
  /** A {@code Flatten} has nothing to configure; the record names it in a saved model. */
  public record Config() implements LayerConfig {
    @Override
    public Flatten create() {
      return Flatten.of();
    }
  }

  @Override
  public Config config() {
    return new Config();
  }

  public static Flatten of() {
    return new Flatten();
  }

  @Override
  protected long[] onBuild(long[] sampleShape) {
    long n = 1;
    for (long s : sampleShape) {
      n *= s;
    }
    return new long[] {n};
  }

  @Override
  protected Tensor forward(Tensor x) {
    return x.reshape(x.size(0), -1);
  }
}
