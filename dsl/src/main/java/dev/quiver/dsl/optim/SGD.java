package dev.quiver.dsl.optim;

import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.ops.OptimizerSteps;

/**
 * Gradient descent, with optional momentum and Nesterov momentum, in PyTorch's form: v <- mu·v + g;
 * p <- p - lr·v (classical) or p <- p - lr·(g + mu·v) (Nesterov). Without momentum it is plain
 * gradient descent p <- p - lr·g ("batch gradient descent" when the batch is the whole data set).
 */
public final class SGD extends Optimizer {
  private double momentum;
  private boolean nesterov;

  private SGD(double lr) {
    super(lr);
  }

  public static SGD lr(double lr) {
    return new SGD(lr);
  }

  public SGD momentum(double mu) {
    if (!(mu >= 0 && mu < 1)) {
      throw new IllegalArgumentException("SGD.momentum: must be in [0, 1), got " + mu);
    }
    this.momentum = mu;
    return this;
  }

  /** Nesterov momentum: the gradient step looks ahead along the velocity. Needs momentum > 0. */
  public SGD nesterov() {
    this.nesterov = true;
    return this;
  }

  @Override
  protected int stateSlots() {
    return momentum > 0 ? 1 : 0;
  }

  @Override
  protected void update(Tensor p, Tensor g, Tensor[] s, double lr, long t) {
    if (nesterov && momentum == 0) {
      throw new IllegalStateException("SGD: nesterov() needs momentum(mu) with mu > 0");
    }
    Tensor v = momentum == 0 ? null : s[0];
    if (fusedAllowed() && OptimizerSteps.sgd(p, g, v, lr, momentum, nesterov)) {
      return;
    }
    if (v == null) {
      p.subInPlace(g.mul(lr));
      return;
    }
    v.mulInPlace(momentum).addInPlace(g);
    p.subInPlace(nesterov ? g.add(v.mul(momentum)).mul(lr) : v.mul(lr));
  }
}
