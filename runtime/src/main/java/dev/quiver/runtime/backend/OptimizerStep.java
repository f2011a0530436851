package dev.quiver.runtime.backend;

/**
 * One optimizer update a backend may run as a single pass over the parameter, its gradient and its
 * state (PyTorch's fused optimizers): on small models the dozen elementwise ops of an update, each
 * with its own result, are most of a training step. A backend that has no such kernel answers false
 * and the optimizer composes the same rule from elementwise ops.
 *
 * <p>The rules are written here once, per element, in double and stored as float32: the scalar
 * reference every backend's kernel must match.
 */
public sealed interface OptimizerStep {

  /**
   * Adam with its bias corrections folded into two scalars: m ← β1·m + (1−β1)·g; v ← β2·v +
   * (1−β2)·g²; p ← p − stepSize·m / (√v + epsHat).
   */
  record Adam(double stepSize, double beta1, double beta2, double epsHat)
      implements OptimizerStep {}

  /**
   * Gradient descent with optional (Nesterov) momentum: v ← μ·v + g; p ← p − lr·(nesterov ? g + μ·v
   * : v), or p ← p − lr·g without momentum (no state).
   */
  record Sgd(double lr, double momentum, boolean nesterov) implements OptimizerStep {
    public boolean hasVelocity() {
      return momentum != 0;
    }
  }

  /**
   * The number of state tensors the step reads and writes beside the parameter and its gradient.
   */
  default int stateCount() {
    return switch (this) {
      case Adam a -> 2;
      case Sgd s -> s.hasVelocity() ? 1 : 0;
    };
  }
}
