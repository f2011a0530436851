package dev.quiver.dsl.optim;

import dev.quiver.runtime.Tensor;

/**
 * Duchi et al. (2011): s <- s + g^2; p <- p - lr·g / (sqrt(s) + eps). Steps shrink where gradients
 * have been large.
 */
public final class Adagrad extends Optimizer {
  private double eps = 1e-10;

  private Adagrad(double lr) {
    super(lr);
  }

  public static Adagrad lr(double lr) {
    return new Adagrad(lr);
  }

  public Adagrad eps(double e) {
    this.eps = e;
    return this;
  }

  @Override
  protected int stateSlots() {
    return 1;
  }

  @Override
  protected void update(Tensor p, Tensor g, Tensor[] s, double lr, long t) {
    s[0].addInPlace(g.square());
    p.subInPlace(g.mul(lr).div(s[0].sqrt().add(eps)));
  }
}
