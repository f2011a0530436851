package dev.quiver.dsl;

/**
 * The squashing function a model ends in, if any. Losses use it to work on the logits before the
 * squashing, which is where the numerically stable formulas live: a model ending in softmax trained
 * with cross-entropy is trained on {@code logSoftmax(logits)}, never on {@code
 * log(softmax(logits))}, which underflows to {@code -inf}. This is what Keras does when a softmax
 * layer meets a cross-entropy loss.
 */
public enum OutputHead {
  NONE,
  SOFTMAX,
  SIGMOID;

  /**
   * What {@code module} ends in: its own answer when it is a {@link HasOutputHead}, else {@link
   * #NONE}.
   */
  public static OutputHead of(Module module) {
    return module instanceof HasOutputHead h ? h.head() : NONE;
  }
}
