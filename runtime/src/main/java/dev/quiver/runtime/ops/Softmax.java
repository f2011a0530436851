package dev.quiver.runtime.ops;

import dev.quiver.runtime.Shapes;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import dev.quiver.runtime.backend.Backends;

/**
 * softmax, log-softmax and logsumexp, composed from primitives and made stable by shifting with the
 * maximum: exp(x - max) never overflows, and logsumexp(x) = max + log(sum(exp(x - max))). The shift
 * is detached: it cancels out of the result, so it contributes no gradient.
 */
public final class Softmax {
  private Softmax() {}

  public static Tensor logSumExp(Tensor x, int axis, boolean keepDim) {
    Tensor shift = x.max(axis, true).detach();
    // An all -inf row would give -inf - -inf = NaN; shifting by 0 there keeps the answer -inf.
    shift = Tensor.where(shift.eq(Double.NEGATIVE_INFINITY), Tensor.zerosLike(shift), shift);
    Tensor lse = x.sub(shift).exp().sum(axis, true).log().add(shift);
    return keepDim ? lse : lse.squeeze(axis);
  }

  public static Tensor softmax(Tensor x, int axis) {
    checkDim("softmax", x, axis);
    if (isLastAxis(x, axis)) {
      // exp of the fused log-softmax: two ops instead of six.
      return logSoftmax(x, axis).exp();
    }
    Tensor e = x.sub(x.max(axis, true).detach()).exp();
    return e.div(e.sum(axis, true));
  }

  public static Tensor logSoftmax(Tensor x, int axis) {
    checkDim("logSoftmax", x, axis);
    if (isLastAxis(x, axis)) {
      Tensor out = Tensor.empty(x.device(), x.dtype(), x.shape());
      if (Backends.of(x.device()).logSoftmaxLastAxis(x.view(), out.view())) {
        // d/dx (x - lse(x)) applied to g: g - softmax(x) * sum(g), with softmax = exp(out).
        return Autograd.record(
            out, "logSoftmax", g -> new Tensor[] {g.sub(out.exp().mul(g.sum(-1, true)))}, x);
      }
    }
    return x.sub(logSumExp(x, axis, true));
  }

  /** The error names the op the user called, the dim they gave and the tensor's shape. */
  private static void checkDim(String op, Tensor x, int axis) {
    int rank = x.dim();
    if (axis < -rank || axis >= rank || rank == 0) {
      throw new IllegalArgumentException(
          op
              + "("
              + axis
              + "): dim "
              + axis
              + " is out of range for a tensor of shape "
              + x.shapeString()
              + (rank == 0
                  ? " (a scalar has no dim to normalise over)"
                  : " (rank " + rank + ": dims " + -rank + " to " + (rank - 1) + ")"));
    }
  }

  private static boolean isLastAxis(Tensor x, int axis) {
    return x.dim() > 0 && Shapes.axis("logSoftmax", axis, x.dim()) == x.dim() - 1;
  }
}
