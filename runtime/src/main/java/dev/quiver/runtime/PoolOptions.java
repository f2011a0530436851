package dev.quiver.runtime;

/**
 * The settings of a max or average pooling, as torch.nn.functional.max_pool2d's and avg_pool2d's:
 * kernel size, stride (the kernel size unless set), padding, ceil mode, and for an average whether
 * the padding counts in the divisor (torch's {@code count_include_pad}, true by default). {@code
 * PoolOptions.kernel(3).stride(2).padding(1)}.
 *
 * <p>A 1-D pooling uses the width settings.
 *
 * @param ceil round the output size up ({@link #ceilMode()})
 */
public record PoolOptions(
    int kernelH,
    int kernelW,
    int strideH,
    int strideW,
    int padH,
    int padW,
    boolean ceil,
    boolean countIncludePad) {

  public PoolOptions {
    if (kernelH < 1 || kernelW < 1) {
      throw new IllegalArgumentException(
          "PoolOptions: kernel size must be >= 1, got " + kernelH + "x" + kernelW);
    }
    if (strideH < 1 || strideW < 1) {
      throw new IllegalArgumentException(
          "PoolOptions: stride must be >= 1, got " + strideH + "x" + strideW);
    }
    if (padH < 0 || padW < 0) {
      throw new IllegalArgumentException(
          "PoolOptions: padding must be >= 0, got " + padH + "x" + padW);
    }
  }

  /** A square {@code k x k} window every {@code k}: no overlap, no padding. */
  public static PoolOptions kernel(int k) {
    return kernel(k, k);
  }

  public static PoolOptions kernel(int h, int w) {
    return new PoolOptions(h, w, h, w, 0, 0, false, true);
  }

  public PoolOptions stride(int s) {
    return stride(s, s);
  }

  public PoolOptions stride(int h, int w) {
    return new PoolOptions(kernelH, kernelW, h, w, padH, padW, ceil, countIncludePad);
  }

  /** Implicit padding on every side: -infinity for a max, zeros for an average. */
  public PoolOptions padding(int p) {
    return padding(p, p);
  }

  public PoolOptions padding(int h, int w) {
    return new PoolOptions(kernelH, kernelW, strideH, strideW, h, w, ceil, countIncludePad);
  }

  /** Rounds the output size up, so a last partial window counts (torch's {@code ceil_mode}). */
  public PoolOptions ceilMode() {
    return new PoolOptions(kernelH, kernelW, strideH, strideW, padH, padW, true, countIncludePad);
  }

  /**
   * An average divides by the positions inside the input only ({@code count_include_pad=False}).
   */
  public PoolOptions excludePadding() {
    return new PoolOptions(kernelH, kernelW, strideH, strideW, padH, padW, ceil, false);
  }

  @Override
  public String toString() {
    return "kernel "
        + pair(kernelH, kernelW)
        + ", stride "
        + pair(strideH, strideW)
        + ", padding "
        + pair(padH, padW)
        + (ceil ? ", ceil mode" : "");
  }

  private static String pair(int h, int w) {
    return h == w ? Integer.toString(h) : h + "x" + w;
  }
}
