package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Module;
import dev.quiver.dsl.Param;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;

/**
 * Batch normalization over [batch, features] (Ioffe and Szegedy, 2015): in training each feature is
 * normalized with the batch's mean and (biased) variance, and running averages are kept; in
 * inference the running averages are used, so a prediction does not depend on its batch. The
 * running variance is the unbiased one, as in PyTorch. Momentum 0.1: running = 0.9·running +
 * 0.1·batch.
 */
public final class BatchNorm1d extends Module implements Saveable<BatchNorm1d.Config> {
  private final double eps;
  private final double momentum;
  private Param gamma;
  private Param beta;
  private Tensor runningMean;
  private Tensor runningVar;

  /**
   * What a saved model holds of a BatchNorm1d (the running statistics are buffers, saved with the
   * weights).
   */
  public record Config(double eps, double momentum) implements LayerConfig {
    @Override
    public BatchNorm1d create() {
      return BatchNorm1d.of(eps, momentum);
    }
  }

  private BatchNorm1d(double eps, double momentum) {
    this.eps = eps;
    this.momentum = momentum;
  }

  public static BatchNorm1d of() {
    return new BatchNorm1d(1e-5, 0.1);
  }

  public static BatchNorm1d of(double eps, double momentum) {
    return new BatchNorm1d(eps, momentum);
  }

  public double eps() {
    return eps;
  }

  public double momentum() {
    return momentum;
  }

  @Override
  public Config config() {
    return new Config(eps, momentum);
  }

  @Override
  protected java.util.Map<String, Tensor> ownBuffers() {
    if (runningMean == null) {
      return java.util.Map.of();
    }
    var m = new java.util.LinkedHashMap<String, Tensor>();
    m.put("running_mean", runningMean);
    m.put("running_var", runningVar);
    return m;
  }

  public Tensor runningMean() {
    return runningMean;
  }

  public Tensor runningVar() {
    return runningVar;
  }

  /**
   * The running statistics are buffers, not parameters: they move with the inputs when the model
   * moved.
   */
  private void followDevice(Tensor x) {
    if (!runningMean.device().equals(x.device())) {
      runningMean = Param.persistent(runningMean.to(x.device()));
      runningVar = Param.persistent(runningVar.to(x.device()));
    }
  }

  @Override
  protected long[] onBuild(long[] sampleShape) {
    if (sampleShape.length != 1) {
      throw new IllegalArgumentException(
          describe()
              + ": expects [batch, features], got per-sample shape "
              + java.util.Arrays.toString(sampleShape));
    }
    long f = sampleShape[0];
    gamma = Param.of(Tensor.ones(f));
    beta = Param.of(Tensor.zeros(f));
    runningMean = Param.persistentZeros(DType.FLOAT32, new long[] {f});
    runningVar = Param.persistent(Tensor.ones(f));
    return sampleShape.clone();
  }

  @Override
  protected Tensor forward(Tensor x) {
    followDevice(x);
    Tensor mean;
    Tensor var;
    if (isTraining()) {
      long n = x.size(0);
      if (n < 2) {
        throw new IllegalArgumentException(
            describe() + ": training needs batches of at least 2 rows, got " + n);
      }
      mean = x.mean(0, true);
      var = x.sub(mean).square().mean(0, true);
      try (var ignored = Autograd.noGrad()) {
        runningMean
            .mulInPlace(1 - momentum)
            .addInPlace(mean.reshape(-1).detach().to(DType.FLOAT32).mul(momentum));
        runningVar
            .mulInPlace(1 - momentum)
            .addInPlace(var.reshape(-1).detach().to(DType.FLOAT32).mul(momentum * n / (n - 1.0)));
      }
    } else {
      mean = runningMean.to(x.dtype());
      var = runningVar.to(x.dtype());
    }
    return x.sub(mean).div(var.add(eps).sqrt()).mul(gamma.value()).add(beta.value());
  }
}
