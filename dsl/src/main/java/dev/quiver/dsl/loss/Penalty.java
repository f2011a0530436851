package dev.quiver.dsl.loss;

import dev.quiver.runtime.Tensor;
import java.util.List;

/**
 * A regularization term added to the loss: lambda·sum|w| (L1, pushes weights to exactly zero) or
 * lambda·sum w^2 (L2, shrinks them). The trainer applies it to weight matrices, not biases.
 */
public record Penalty(Kind kind, double lambda) implements java.io.Serializable {
  public enum Kind {
    L1,
    L2
  }

  public Penalty {
    if (!(lambda >= 0)) {
      throw new IllegalArgumentException("Penalty: lambda must be non-negative, got " + lambda);
    }
  }

  public static Penalty l1(double lambda) {
    return new Penalty(Kind.L1, lambda);
  }

  public static Penalty l2(double lambda) {
    return new Penalty(Kind.L2, lambda);
  }

  /** The penalty of these weights, a scalar tensor that gradients flow through. */
  public Tensor of(List<Tensor> weights) {
    Tensor total = null;
    for (Tensor w : weights) {
      Tensor term =
          switch (kind) {
            case L1 -> w.abs().sum();
            case L2 -> w.square().sum();
          };
      total = total == null ? term : total.add(term);
    }
    return total == null ? Tensor.scalar(0) : total.mul(lambda);
  }
}
