package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Module;
import dev.quiver.dsl.Param;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.Tensor;

/**
 * Normalizes each sample over its last axis to mean 0 and variance 1, then scales by gamma and
 * shifts by beta (Ba et al., 2016). Unlike batch norm it does not depend on the batch, which is why
 * transformers use it.
 */
public final class LayerNorm extends Module implements Saveable<LayerNorm.Config> {
  private final double eps;
  private Param gamma;
  private Param beta;

  /** What a saved model holds of a LayerNorm: its epsilon. */
  public record Config(double eps) implements LayerConfig {
    @Override
    public LayerNorm create() {
      return LayerNorm.of(eps);
    }
  }

  private LayerNorm(double eps) {
    this.eps = eps;
  }

  public static LayerNorm of() {
    return new LayerNorm(1e-5);
  }

  public static LayerNorm of(double eps) {
    return new LayerNorm(eps);
  }

  public double eps() {
    return eps;
  }

  public Param gamma() {
    return gamma;
  }

  public Param beta() {
    return beta;
  }

  @Override
  public Config config() {
    return new Config(eps);
  }

  @Override
  protected long[] onBuild(long[] sampleShape) {
    long features = sampleShape[sampleShape.length - 1];
    gamma = Param.of(Tensor.ones(features));
    beta = Param.of(Tensor.zeros(features));
    return sampleShape.clone();
  }

  /** Normalizes the last axis: any sizes before it (a sequence of any length), the same width. */
  @Override
  protected boolean accepts(long[] sample, long[] builtFor) {
    return sample.length == builtFor.length
        && (sample.length == 0 || sample[sample.length - 1] == builtFor[builtFor.length - 1]);
  }

  @Override
  protected Tensor forward(Tensor x) {
    Tensor centred = x.sub(x.mean(-1, true));
    Tensor var = centred.square().mean(-1, true);
    return centred.div(var.add(eps).sqrt()).mul(gamma.value()).add(beta.value());
  }
}
