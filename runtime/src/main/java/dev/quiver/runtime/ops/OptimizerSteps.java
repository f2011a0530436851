package dev.quiver.runtime.ops;

import dev.quiver.runtime.Shapes;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.backend.Backends;
import dev.quiver.runtime.backend.OptimizerStep;
import dev.quiver.runtime.backend.View;

/**
 * Optimizer updates in one pass over the parameter, its gradient and its state, where the backend
 * has a kernel for them (PyTorch's fused Adam and SGD): on a small model the dozen elementwise ops
 * of an update, each with its own result, cost more than the update itself.
 *
 * <p>Each method returns false, having changed nothing, when the backend cannot (another device,
 * type or layout); the optimizer then writes the same rule with elementwise ops, so every device
 * trains and the CPU is fast. The rules are in {@link OptimizerStep}. Like every in-place write,
 * these are refused on tensors that require grad outside {@code Autograd.noGrad()}.
 */
public final class OptimizerSteps {
  private OptimizerSteps() {}

  /**
   * One Adam step with the bias corrections folded in: m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p
   * ← p − stepSize·m / (√v + epsHat).
   */
  public static boolean adam(
      Tensor param,
      Tensor grad,
      Tensor m,
      Tensor v,
      double stepSize,
      double beta1,
      double beta2,
      double epsHat) {
    return run("adam", new OptimizerStep.Adam(stepSize, beta1, beta2, epsHat), param, grad, m, v);
  }

  /**
   * One gradient-descent step; with momentum μ ≠ 0 (then {@code velocity} is its state): v ← μ·v +
   * g and p ← p − lr·(nesterov ? g + μ·v : v); without, p ← p − lr·g ({@code velocity} null).
   */
  public static boolean sgd(
      Tensor param, Tensor grad, Tensor velocity, double lr, double momentum, boolean nesterov) {
    var step = new OptimizerStep.Sgd(lr, momentum, nesterov);
    if (step.hasVelocity() != (velocity != null)) {
      throw new IllegalArgumentException(
          "sgd: momentum "
              + momentum
              + " needs "
              + (step.hasVelocity()
                  ? "a velocity tensor, got null"
                  : "no velocity tensor, got one of shape " + velocity.shapeString()));
    }
    return step.hasVelocity()
        ? run("sgd", step, param, grad, velocity)
        : run("sgd", step, param, grad);
  }

  private static boolean run(
      String op, OptimizerStep step, Tensor param, Tensor grad, Tensor... state) {
    Elementwise.checkWritable(op, param);
    View[] views = new View[state.length];
    for (int i = 0; i < state.length; i++) {
      Elementwise.checkWritable(op, state[i]);
      sameSize(op, param, state[i]);
      views[i] = state[i].view();
    }
    sameSize(op, param, grad);
    for (Tensor t : state) {
      if (!t.device().equals(param.device())) {
        return false; // the composed rule then names the devices
      }
    }
    return grad.device().equals(param.device())
        && Backends.of(param.device()).optimizerStep(step, param.view(), grad.view(), views);
  }

  private static void sameSize(String op, Tensor param, Tensor other) {
    if (other.numel() != param.numel()) {
      throw new IllegalArgumentException(
          op
              + ": the parameter has shape "
              + Shapes.str(param.shape())
              + " but an operand has shape "
              + Shapes.str(other.shape())
              + " ("
              + other.numel()
              + " elements, not "
              + param.numel()
              + ")");
    }
  }
}
