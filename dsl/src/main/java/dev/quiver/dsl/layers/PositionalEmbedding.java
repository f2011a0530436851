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

  /**
   * Sequences up to the length it was built for, of the same width: a language model built for
   * windows of 64 also runs on the shorter prompts of generation (positions 0..len-1).
   */
  @Override
  protected boolean accepts(long[] sample, long[] builtFor) {
    return sample.length == 2 && sample[1] == builtFor[1] && sample[0] >= 1;
  }

  @Override
  protected Tensor forward(Tensor x) {
    long len = x.size(x.dim() - 2);
    long max = table.value().size(0);
    if (len > max) {
      throw new IllegalArgumentException(
          describe()
              + ": has positions for sequences of up to "
              + max
              + " steps, got "
              + len
              + " (input "
              + x.shapeString()
              + ")");
    }
    return x.add(len == max ? table.value() : table.value().slice(0, 0, len));
  }
}
