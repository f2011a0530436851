package dev.quiver.dsl;

import dev.quiver.runtime.Tensor;

/**
 * A module that may end in a squashing a loss can absorb (see {@link OutputHead}): only such
 * modules implement it, the {@code Softmax} and {@code Sigmoid} layers, a {@code Dense} with an
 * activation, and a {@link Sequential}, which asks its last layer. The trainer asks the model it
 * trains; a free-form model that ends in a softmax may implement it too.
 */
public interface HasOutputHead {
  /** The squashing this module ends in, or {@link OutputHead#NONE}. */
  OutputHead head();

  /**
   * The output before the final squashing of {@link #head()}: the logits. Same as apply when there
   * is none.
   */
  Tensor applyBeforeHead(Tensor x);
}
