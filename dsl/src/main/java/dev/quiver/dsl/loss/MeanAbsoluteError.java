package dev.quiver.dsl.loss;

import dev.quiver.runtime.Tensor;

/** mean |y - t|. */
public record MeanAbsoluteError() implements Loss {
  @Override
  public Tensor compute(Tensor prediction, Tensor target) {
    return prediction.sub(Targets.like("mae", prediction, target)).abs().mean();
  }

  @Override
  public String name() {
    return "mae";
  }
}
