package dev.quiver.dsl.layers;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Shapes;
import dev.quiver.runtime.Tensor;
import java.util.SplittableRandom;

/**
 * How a weight starts. Each is seeded, so a seeded model starts the same on every machine. fanIn
 * and fanOut are the number of inputs and outputs of one unit (for a Dense layer: the input width
 * and the number of units).
 */
public sealed interface Init {
  /** Values for a parameter of {@code shape}, drawn with {@code seed}. */
  Tensor create(long[] shape, long fanIn, long fanOut, long seed);

  /**
   * Glorot/Xavier uniform, U(-a, a) with a = sqrt(6 / (fanIn + fanOut)): keeps variance for
   * tanh/sigmoid. Keras' default.
   */
  static Init xavier() {
    return new Xavier();
  }

  /** He normal, N(0, 2 / fanIn): keeps variance through ReLU (He et al. 2015). */
  static Init he() {
    return new He();
  }

  /** N(0, std^2). */
  static Init normal(double std) {
    return new Normal(std);
  }

  static Init zeros() {
    return new Constant(0);
  }

  static Init constant(double value) {
    return new Constant(value);
  }

  record Xavier() implements Init {
    public Tensor create(long[] shape, long fanIn, long fanOut, long seed) {
      double a = Math.sqrt(6.0 / (fanIn + fanOut));
      return fill(shape, seed, r -> (2 * r.nextDouble() - 1) * a);
    }
  }

  record He() implements Init {
    public Tensor create(long[] shape, long fanIn, long fanOut, long seed) {
      double std = Math.sqrt(2.0 / fanIn);
      return fill(shape, seed, r -> r.nextGaussian() * std);
    }
  }

  record Normal(double std) implements Init {
    public Tensor create(long[] shape, long fanIn, long fanOut, long seed) {
      return fill(shape, seed, r -> r.nextGaussian() * std);
    }
  }

  record Constant(double value) implements Init {
    public Tensor create(long[] shape, long fanIn, long fanOut, long seed) {
      return fill(shape, seed, r -> value);
    }
  }

  private static Tensor fill(
      long[] shape, long seed, java.util.function.ToDoubleFunction<SplittableRandom> draw) {
    // Sizes from a model file are untrusted: checked against the memory there is before the array.
    Shapes.checkedBytes("initialising weights of", DType.FLOAT32, shape, true);
    long n = Shapes.numel(shape);
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "initialising weights of shape "
              + Shapes.str(shape)
              + ": "
              + n
              + " elements; one weight tensor holds at most "
              + (Integer.MAX_VALUE - 8));
    }
    var r = new SplittableRandom(seed);
    float[] data = new float[(int) n];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) draw.applyAsDouble(r);
    }
    return Tensor.of(data, shape);
  }
}
