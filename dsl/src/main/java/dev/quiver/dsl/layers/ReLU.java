package dev.quiver.dsl.layers;

import dev.quiver.runtime.Tensor;

/** max(0, x). */
public final class ReLU extends Activation {
  @Override
  protected Tensor forward(Tensor x) {
    return x.relu();
  }

  @Override
  Init preferredInit() {
    return Init.he();
  }
}
