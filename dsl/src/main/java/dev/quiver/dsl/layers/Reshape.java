package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Module;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.Tensor;
import java.util.Arrays;

/**
 * Gives each sample a new shape, the batch axis kept: {@code Reshape.of(1, 28, 28)} turns {@code
 * [batch, 784]} into {@code [batch, 1, 28, 28]}, so flat pixel rows can enter a {@link Conv2d}. One
 * size may be -1 (found from the others), as in Keras' {@code Reshape} and torch's {@code view}.
 */
public final class Reshape extends Module implements Saveable<Reshape.Config> {
  private final long[] shape;

  /** What a saved model holds of a Reshape layer: the per-sample shape. */
  public record Config(long[] shape) implements LayerConfig {
    @Override
    public Reshape create() {
      return Reshape.of(shape);
    }
  }

  private Reshape(long[] shape) {
    int unknown = 0;
    for (long s : shape) {
      if (s == -1) {
        unknown++;
      } else if (s <= 0) {
        throw new IllegalArgumentException(
            "Reshape: sizes must be positive or -1, got " + Arrays.toString(shape));
      }
    }
    if (unknown > 1) {
      throw new IllegalArgumentException(
          "Reshape: at most one size may be -1, got " + Arrays.toString(shape));
    }
    this.shape = shape.clone();
  }

  /** The per-sample shape (without the batch axis). */
  public static Reshape of(long... shape) {
    return new Reshape(shape);
  }

  @Override
  public Config config() {
    return new Config(shape.clone());
  }

  @Override
  protected long[] onBuild(long[] sampleShape) {
    long n = 1;
    for (long s : sampleShape) {
      n *= s;
    }
    long known = 1;
    int unknownAt = -1;
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] == -1) {
        unknownAt = i;
      } else {
        known *= shape[i];
      }
    }
    long[] out = shape.clone();
    if (unknownAt >= 0 && known > 0 && n % known == 0) {
      out[unknownAt] = n / known;
      known *= out[unknownAt];
    }
    if (known != n) {
      throw new IllegalArgumentException(
          describe()
              + ": cannot reshape a sample of shape "
              + Arrays.toString(sampleShape)
              + " ("
              + n
              + " values) to "
              + Arrays.toString(shape));
    }
    return out;
  }

  @Override
  protected Tensor forward(Tensor x) {
    long[] target = new long[shape.length + 1];
    target[0] = x.size(0);
    long[] out = outputShape();
    System.arraycopy(out, 0, target, 1, out.length);
    return x.reshape(target);
  }
}
