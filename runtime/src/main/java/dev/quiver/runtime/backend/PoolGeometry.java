package dev.quiver.runtime.backend;

/**
 * A 2-D pooling over {@code planes} independent planes (batch times channels, NCHW): the windows
 * along the height and the width, and whether an average counts the padding.
 */
public record PoolGeometry(long planes, PoolAxis h, PoolAxis w, boolean countIncludePad) {

  /** Input elements of one plane. */
  public int inPixels() {
    return h.in() * w.in();
  }

  /** Output elements of one plane. */
  public int outPixels() {
    return h.out() * w.out();
  }
}
