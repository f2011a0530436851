package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Module;
import dev.quiver.dsl.Param;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;

/** A learned vector per token: int32 [batch, seq] -> [batch, seq, dim]. Weights start N(0, 1). */
public final class Embedding extends Module implements Saveable<Embedding.Config> {
  private final int vocab;
  private final int dim;
  private Param weight;

  /** What a saved model holds of an Embedding: vocabulary size and vector width. */
  public record Config(int vocab, int dim) implements LayerConfig {
    @Override
    public Embedding create() {
      return Embedding.of(vocab, dim);
    }
  }

  private Embedding(int vocab, int dim) {
    if (vocab <= 0 || dim <= 0) {
      throw new IllegalArgumentException(
          "Embedding: vocabulary and dimension must be positive, got " + vocab + " and " + dim);
    }
    this.vocab = vocab;
    this.dim = dim;
  }

  public static Embedding of(int vocab, int dim) {
    return new Embedding(vocab, dim);
  }

  public int vocab() {
    return vocab;
  }

  public int dim() {
    return dim;
  }

  public Param weight() {
    return weight;
  }

  @Override
  public Config config() {
    return new Config(vocab, dim);
  }

  @Override
  protected long[] onBuild(long[] sampleShape) {
    weight = Param.of(Init.normal(1).create(new long[] {vocab, dim}, vocab, dim, nextSeed()));
    long[] out = java.util.Arrays.copyOf(sampleShape, sampleShape.length + 1);
    out[sampleShape.length] = dim;
    return out;
  }

  /** Token ids of any shape, so sequences of any length. */
  @Override
  protected boolean accepts(long[] sample, long[] builtFor) {
    return true;
  }

  @Override
  protected Tensor forward(Tensor x) {
    if (x.dtype() != DType.INT32) {
      throw new IllegalArgumentException(
          describe()
              + ": expects int32 token ids, got "
              + x.dtype()
              + " of shape "
              + x.shapeString());
    }
    long[] shape = java.util.Arrays.copyOf(x.shape(), x.dim() + 1);
    shape[x.dim()] = dim;
    for (int t : x.toIntArray()) {
      if (t < 0 || t >= vocab) {
        throw new IllegalArgumentException(
            describe() + ": token id " + t + " is out of range for a vocabulary of " + vocab);
      }
    }
    return weight.value().indexSelect(0, x.reshape(-1)).reshape(shape);
  }
}
