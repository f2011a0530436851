package dev.quiver.dsl.loss;

import dev.quiver.runtime.Tensor;

/**
 * Binary cross-entropy of sigmoid(z), computed from the logit z as max(z, 0) - z·t + log(1 +
 * e^-|z|): the exponent is never positive, so nothing overflows, and no log of 0 is taken.
 */
public record BinaryCrossEntropyWithLogits() implements Loss {
  @Override
  public Tensor compute(Tensor logits, Tensor target) {
    Tensor t = Targets.like("bceWithLogits", logits, target);
    Tensor softplus = logits.abs().neg().exp().add(1).log();
    return logits.relu().sub(logits.mul(t)).add(softplus).mean();
  }

  @Override
  public String name() {
    return "bce";
  }
}
