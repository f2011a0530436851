package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Module;
import dev.quiver.dsl.Param;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.ops.Normalization;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Batch normalization of images, per channel over the batch, height and width (Ioffe and Szegedy,
 * 2015): torch's {@code nn.BatchNorm2d}, with its names and shapes: {@code weight} and {@code bias}
 * ({@code [C]}, the scale and shift) and the buffers {@code running_mean} and {@code running_var}.
 * In training each channel is normalized with the batch's mean and (biased) variance and the
 * running averages move by the momentum (0.1: running = 0.9·running + 0.1·batch, the variance
 * unbiased as torch keeps it); in {@code eval()} the running averages are used, so a prediction
 * does not depend on its batch.
 */
public final class BatchNorm2d extends Module implements Saveable<BatchNorm2d.Config> {
  private final double eps;
  private final double momentum;
  private Param weight;
  private Param bias;
  private Tensor runningMean;
  private Tensor runningVar;

  /** What a saved model holds of a BatchNorm2d (the running statistics are saved as weights). */
  public record Config(double eps, double momentum) implements LayerConfig {
    @Override
    public BatchNorm2d create() {
      return BatchNorm2d.of(eps, momentum);
    }
  }

  private BatchNorm2d(double eps, double momentum) {
    if (!(eps > 0)) {
      throw new IllegalArgumentException("BatchNorm2d: eps must be positive, got " + eps);
    }
    if (!(momentum >= 0 && momentum <= 1)) {
      throw new IllegalArgumentException(
          "BatchNorm2d: momentum must be in [0, 1], got " + momentum);
    }
    this.eps = eps;
    this.momentum = momentum;
  }

  /** eps 1e-5, momentum 0.1: torch's defaults. */
  public static BatchNorm2d of() {
    return new BatchNorm2d(1e-5, 0.1);
  }

  public static BatchNorm2d of(double eps, double momentum) {
    return new BatchNorm2d(eps, momentum);
  }

  public double eps() {
    return eps;
  }

  public double momentum() {
    return momentum;
  }

  /** The per-channel scale (gamma), {@code [C]}; null before the layer is built. */
  public Param weight() {
    isBuilt();
    return weight;
  }

  /** The per-channel shift (beta), {@code [C]}; null before the layer is built. */
  public Param bias() {
    isBuilt();
    return bias;
  }

  public Tensor runningMean() {
    return runningMean;
  }

  public Tensor runningVar() {
    return runningVar;
  }

  @Override
  public Config config() {
    return new Config(eps, momentum);
  }

  @Override
  protected Map<String, Tensor> ownBuffers() {
    if (runningMean == null) {
      return Map.of();
    }
    var m = new LinkedHashMap<String, Tensor>();
    m.put("running_mean", runningMean);
    m.put("running_var", runningVar);
    return m;
  }

  @Override
  protected long[] onBuild(long[] sampleShape) {
    if (sampleShape.length != 3) {
      throw new IllegalArgumentException(
          describe()
              + ": expects inputs [batch, channels, height, width], got per-sample shape "
              + Arrays.toString(sampleShape));
    }
    long c = sampleShape[0];
    weight = Param.of(Tensor.ones(c));
    bias = Param.of(Tensor.zeros(c));
    runningMean = Param.persistentZeros(DType.FLOAT32, new long[] {c});
    runningVar = Param.persistent(Tensor.ones(c));
    return sampleShape.clone();
  }

  /** The buffers follow the inputs to their device (they are not parameters). */
  private void followDevice(Tensor x) {
    if (!runningMean.device().equals(x.device())) {
      runningMean = Param.persistent(runningMean.to(x.device()));
      runningVar = Param.persistent(runningVar.to(x.device()));
    }
  }

  @Override
  protected Tensor forward(Tensor x) {
    followDevice(x);
    if (isTraining() && x.size(0) * x.size(2) * x.size(3) < 2) {
      throw new IllegalArgumentException(
          describe()
              + ": training needs more than one value per channel, got batch shape "
              + x.shapeString());
    }
    // One op with its backward (two passes each way on the CPU), as torch's F.batch_norm.
    return Normalization.batchNorm(
        x, runningMean, runningVar, weight.value(), bias.value(), isTraining(), momentum, eps);
  }
}
