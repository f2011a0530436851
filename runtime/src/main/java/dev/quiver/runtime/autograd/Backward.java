package dev.quiver.runtime.autograd;

import dev.quiver.runtime.Tensor;

/**
 * The backward half of an op: from the gradient of its output, the gradients of its inputs (null
 * where none is needed).
 */
@FunctionalInterface
public interface Backward {
  Tensor[] apply(Tensor gradOutput);
}
