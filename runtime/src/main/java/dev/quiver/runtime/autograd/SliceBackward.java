package dev.quiver.runtime.autograd;

import dev.quiver.runtime.Tensor;

/**
 * The backward of an op whose input gradient is zero outside one region of the input (a slice, a
 * select). {@link #apply} gives that gradient at full size, as every backward does; autodiff calls
 * {@link #addInto} instead when the input already has a gradient of its own making, so a tensor
 * read step by step (a recurrent layer's input projection, one time step per slice) costs one
 * full-size gradient rather than one per slice added up.
 */
public interface SliceBackward extends Backward {
  /** Adds into {@code full}, in place, the gradient that {@code gradOutput} gives the region. */
  void addInto(Tensor full, Tensor gradOutput);
}
