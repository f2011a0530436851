package dev.quiver.dsl.optim;

import dev.quiver.runtime.Tensor;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter, 2019): p <- p - lr·wd·p, then the Adam
 * step. Unlike an L2 term in the loss, the decay is not rescaled by Adam's per-weight step sizes.
 * Default decay 0.01.
 */
public final class AdamW extends Adam {
  private double weightDecay = 0.01;

  private AdamW(double lr) {
    super(lr);
  }

  public static AdamW lr(double lr) {
    return new AdamW(lr);
  }

  public AdamW weightDecay(double wd) {
    if (!(wd >= 0)) {
      throw new IllegalArgumentException("AdamW.weightDecay: must be non-negative, got " + wd);
    }
    this.weightDecay = wd;
    return this;
  }

  @Override
  protected void update(Tensor p, Tensor g, Tensor[] s, double lr, long t) {
    p.mulInPlace(1 - lr * weightDecay);
    super.update(p, g, s, lr, t);
  }
}
