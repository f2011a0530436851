package dev.quiver.dsl.loss;

import dev.quiver.runtime.Tensor;

/** mean (y - t)^2. */
public record MeanSquaredError() implements Loss {
  @Override
  public Tensor compute(Tensor prediction, Tensor target) {
    return prediction.sub(Targets.like("mse", prediction, target)).square().mean();
  }

  @Override
  public String name() {
    return "mse";
  }
}
