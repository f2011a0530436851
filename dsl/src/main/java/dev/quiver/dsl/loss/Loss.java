package dev.quiver.dsl.loss;

import dev.quiver.dsl.OutputHead;
import dev.quiver.runtime.Tensor;

/**
 * A training objective: the mean over the batch of a per-sample loss.
 *
 * <p>Where a stable formula needs logits, the loss says so through {@link #logitsFor}: a model that
 * ends in softmax (or sigmoid) is then evaluated up to its logits, and the loss applies the
 * log-sum-exp (or softplus) form. Called directly, {@link #compute} takes what the model outputs.
 *
 * <p>Losses are serializable, so that distributed training can send one to the machines that
 * compute gradients; one of your own should hold only serializable configuration.
 */
public interface Loss extends java.io.Serializable {
  /**
   * The mean loss of a batch: {@code prediction} as the model outputs it, {@code target} as the
   * data holds it.
   */
  Tensor compute(Tensor prediction, Tensor target);

  /** Short name for histories and progress lines. */
  String name();

  /**
   * The loss to apply to the logits of a model ending in {@code head}, or null to use the model's
   * output.
   */
  default Loss logitsFor(OutputHead head) {
    return null;
  }

  /** Mean squared error, mean (y - t)^2. */
  static Loss mse() {
    return new MeanSquaredError();
  }

  /** Mean absolute error, mean |y - t|. */
  static Loss mae() {
    return new MeanAbsoluteError();
  }

  /** Quadratic below delta, linear above: robust to outliers. */
  static Loss huber(double delta) {
    return new Huber(delta);
  }

  static Loss huber() {
    return new Huber(1.0);
  }

  /** Binary cross-entropy on probabilities in (0, 1), clipped away from 0 and 1. */
  static Loss bce() {
    return new BinaryCrossEntropy();
  }

  /** Binary cross-entropy on logits (no sigmoid in the model): stable for any logit. */
  static Loss bceWithLogits() {
    return new BinaryCrossEntropyWithLogits();
  }

  /**
   * Softmax cross-entropy from int32 class indices (Keras' sparse categorical cross-entropy); takes
   * logits.
   */
  static Loss crossEntropy() {
    return new CrossEntropy();
  }

  /**
   * Softmax cross-entropy from int32 class indices, skipping positions whose target is {@code
   * ignored} (the padding of sequences; torch's ignore_index); takes logits.
   */
  static Loss crossEntropyIgnoring(int ignored) {
    return new MaskedCrossEntropy(ignored);
  }

  /** Softmax cross-entropy from one-hot (or any probability) targets; takes logits. */
  static Loss crossEntropyOneHot() {
    return new OneHotCrossEntropy();
  }
}
