package dev.quiver.dsl.data;

import dev.quiver.runtime.Tensor;

/** One mini-batch: inputs and targets with the same number of rows. */
public record Batch(Tensor x, Tensor y) {
  public long size() {
    return x.size(0);
  }
}
