package dev.quiver.runtime;

/**
 * How {@link Tensor#interpolate} resamples an image, as torch.nn.functional.interpolate's modes.
 */
public enum Interpolation {
  /** Each output pixel copies the input pixel its position falls in. */
  NEAREST,
  /**
   * Each output pixel is the weighted mean of the four input pixels around its position (half-pixel
   * centres, torch's {@code align_corners=False}).
   */
  BILINEAR,
  /** Bilinear with the corner pixels of input and output aligned ({@code align_corners=True}). */
  BILINEAR_ALIGN_CORNERS
}
