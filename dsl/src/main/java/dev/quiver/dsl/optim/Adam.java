package dev.quiver.dsl.optim;

import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.ops.Fused;
import dev.quiver.runtime.ops.OptimizerSteps;

/**
 * Kingma and Ba (2015): m <- b1·m + (1 - b1)·g; v <- b2·v + (1 - b2)·g^2; p <- p - lr·m̂ /
 * (sqrt(v̂) + eps) with the bias corrections m̂ = m / (1 - b1^t), v̂ = v / (1 - b2^t). Defaults b1
 * 0.9, b2 0.999, eps 1e-8.
 */
public class Adam extends Optimizer {
  private double beta1 = 0.9;
  private double beta2 = 0.999;
  private double eps = 1e-8;

  protected Adam(double lr) {
    super(lr);
  }

  public static Adam lr(double lr) {
    return new Adam(lr);
  }

  public Adam betas(double b1, double b2) {
    if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) {
      throw new IllegalArgumentException(
          "Adam.betas: both must be in [0, 1), got " + b1 + " and " + b2);
    }
    this.beta1 = b1;
    this.beta2 = b2;
    return this;
  }

  public Adam eps(double e) {
    this.eps = e;
    return this;
  }

  @Override
  protected int stateSlots() {
    return 2;
  }

  @Override
  protected void update(Tensor p, Tensor g, Tensor[] s, double lr, long t) {
    // m̂ / (sqrt(v̂) + eps) = (sqrt(c2) / c1) · m / (sqrt(v) + eps·sqrt(c2)): the same value with
    // the bias corrections folded into two scalars (Kingma and Ba, section 2), so fewer tensor ops.
    double c1 = 1 - Math.pow(beta1, t);
    double sc2 = Math.sqrt(1 - Math.pow(beta2, t));
    double stepSize = lr * sc2 / c1;
    double epsHat = eps * sc2;
    Tensor m = s[0];
    Tensor v = s[1];
    if (fusedAllowed() && OptimizerSteps.adam(p, g, m, v, stepSize, beta1, beta2, epsHat)) {
      return;
    }
    // Where the backend has no single-pass step (a GPU above all): three fused passes, each one
    // kernel where the backend fuses, instead of about a dozen separate ops and their temporaries.
    Fused.of(m).mul(beta1).add(Fused.of(g).mul(1 - beta1)).into(m);
    Fused.of(v).mul(beta2).add(Fused.of(g).square().mul(1 - beta2)).into(v);
    Fused.of(p).sub(Fused.of(m).mul(stepSize).div(Fused.of(v).sqrt().add(epsHat))).into(p);
  }
}
