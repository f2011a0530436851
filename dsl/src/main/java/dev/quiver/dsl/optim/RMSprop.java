package dev.quiver.dsl.optim;

import dev.quiver.runtime.Tensor;

/**
 * Hinton's RMSprop: s <- rho·s + (1 - rho)·g^2; p <- p - lr·g / (sqrt(s) + eps). Like Adagrad, but
 * the average forgets, so steps do not shrink forever. rho 0.9, eps 1e-8.
 */
public final class RMSprop extends Optimizer {
  private double rho = 0.9;
  private double eps = 1e-8;

  private RMSprop(double lr) {
    super(lr);
  }

  public static RMSprop lr(double lr) {
    return new RMSprop(lr);
  }

  public RMSprop rho(double r) {
    if (!(r >= 0 && r < 1)) {
      throw new IllegalArgumentException("RMSprop.rho: must be in [0, 1), got " + r);
    }
    this.rho = r;
    return this;
  }

  public RMSprop eps(double e) {
    this.eps = e;
    return this;
  }

  @Override
  protected int stateSlots() {
    return 1;
  }

  @Override
  protected void update(Tensor p, Tensor g, Tensor[] s, double lr, long t) {
    s[0].mulInPlace(rho).addInPlace(g.square().mul(1 - rho));
    p.subInPlace(g.mul(lr).div(s[0].sqrt().add(eps)));
  }
}
