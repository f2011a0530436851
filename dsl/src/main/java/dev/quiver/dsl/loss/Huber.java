package dev.quiver.dsl.loss;

import dev.quiver.runtime.Tensor;

/**
 * 0.5·d^2 for |d| <= delta, delta·(|d| - 0.5·delta) beyond, with d = y - t. Written as 0.5·q^2 +
 * delta·(|d| - q) with q = min(|d|, delta), which is the same and needs no branch.
 */
public record Huber(double delta) implements Loss {
  public Huber {
    if (!(delta > 0)) {
      throw new IllegalArgumentException("huber: delta must be positive, got " + delta);
    }
  }

  @Override
  public Tensor compute(Tensor prediction, Tensor target) {
    Tensor a = prediction.sub(Targets.like("huber", prediction, target)).abs();
    Tensor q = a.minimum(delta);
    return q.square().mul(0.5).add(a.sub(q).mul(delta)).mean();
  }

  @Override
  public String name() {
    return "huber";
  }
}
