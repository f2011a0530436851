package dev.quiver.dsl.layers;

import dev.quiver.dsl.Module;

/**
 * A parameter-free elementwise (or row-wise) function as a layer; the output shape is the input
 * shape.
 */
public abstract class Activation extends Module {
  @Override
  protected long[] onBuild(long[] sampleShape) {
    return sampleShape.clone();
  }

  /** Elementwise (or along the last axis): any shape, so sequences of any length too. */
  @Override
  protected boolean accepts(long[] sample, long[] builtFor) {
    return true;
  }

  /**
   * The initializer that keeps activations' variance through this non-linearity in a preceding
   * layer.
   */
  Init preferredInit() {
    return Init.xavier();
  }
}
