package dev.quiver.dsl.layers;

import dev.quiver.runtime.Tensor;

/** tanh(x). */
public final class Tanh extends Activation {
  @Override
  protected Tensor forward(Tensor x) {
    return x.tanh();
  }
}
