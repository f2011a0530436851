package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Module;
import dev.quiver.dsl.Param;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.Tensor;

/**
 * Adds a learned vector per position to [batch, seq, dim]: attention itself is blind to order, so
 * without this a transformer could not tell the first token from the last. Starts N(0, 0.02^2).
 */
public final class PositionalEmbedding extends Module
    implements Saveable<PositionalEmbedding.Config> {
  private Param table;

  /**
   * A {@code PositionalEmbedding} has nothing to configure; the record names it in a saved model.
   */
  public record Config() implements LayerConfig {
    @Override
    public PositionalEmbedding create() {
      return PositionalEmbedding.of();
    }
  }

  @Override
  public Config config() {
    return new Config();
  }

  public static PositionalEmbedding of() {
    return new PositionalEmbedding();
  }

  @Override
  protected long[] onBuild(long[] sampleShape) {
    if (sampleShape.length != 2) {
      throw new IllegalArgumentException(
          describe()
              + ": expects [batch, seq, dim], got per-sample shape "
              + java.util.Arrays.toString(sampleShape));
    }
    table =
        Param.of(Init.normal(0.02).create(sampleShape, sampleShape[0], sampleShape[1], nextSeed()));
    return sampleShape.clone();
  }

  @Override
  protected Tensor forward(Tensor x) {
    return x.add(table.value());
  }
}
