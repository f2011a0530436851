package dev.quiver.dsl.optim;

import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.ops.Fused;

/**
 * Kingma and Ba (2015): m <- b1·m + (1 - b1)·g; v <- b2·v + (1 - b2)·g^2;
 * p <- p - lr·m̂ / (sqrt(v̂) + eps) with the bias corrections m̂ = m / (1 - b1^t),
 * v̂ = v / (1 - b2^t). Defaults b1 0.9, b2 0.999, eps 1e-8.
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
      throw new IllegalArgumentException("Adam.betas: both must be in [0, 1), got " + b1 + " and " + b2);
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
    if (fused(p, g, s[0], s[1])) {
      fused(p, g, s[0], s[1], lr, t);
      return;
    }
    // Any other layout or device (a GPU above all): three fused passes, each one kernel where the
    // backend fuses, instead of about a dozen separate ops and their temporaries per parameter.
    Tensor m = s[0];
    Tensor v = s[1];
    Fused.of(m).mul(beta1).add(Fused.of(g).mul(1 - beta1)).into(m);
    Fused.of(v).mul(beta2).add(Fused.of(g).square().mul(1 - beta2)).into(v);
    // m̂ / (sqrt(v̂) + eps) = (sqrt(c2) / c1) · m / (sqrt(v) + eps·sqrt(c2)): the same value with
    // the bias corrections folded into two scalars (Kingma and Ba, section 2), so fewer tensor ops.
    double c1 = 1 - Math.pow(beta1, t);
    double sc2 = Math.sqrt(1 - Math.pow(beta2, t));
    Fused.of(p).sub(Fused.of(m).mul(lr * sc2 / c1).div(Fused.of(v).sqrt().add(eps * sc2))).into(p);
  }

  /** The same update, element by element in one pass (see {@link HostFloats}); arithmetic in double, stored as float. */
  private void fused(Tensor p, Tensor g, Tensor m, Tensor v, double lr, long t) {
    double c1 = 1 - Math.pow(beta1, t);
    double sc2 = Math.sqrt(1 - Math.pow(beta2, t));
    double stepSize = lr * sc2 / c1;
    double epsHat = eps * sc2;
    var P = HostFloats.of(p);
    var G = HostFloats.of(g);
    var M = HostFloats.of(m);
    var V = HostFloats.of(v);
    for (long i = 0, n = p.numel(); i < n; i++) {
      double gi = G.get(i);
      float mi = (float) (beta1 * M.get(i) + (1 - beta1) * gi);
      float vi = (float) (beta2 * V.get(i) + (1 - beta2) * gi * gi);
      M.set(i, mi);
      V.set(i, vi);
      P.set(i, (float) (P.get(i) - stepSize * mi / (Math.sqrt(vi) + epsHat)));
    }
  }
}
