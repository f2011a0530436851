package dev.quiver.runtime;

/**
 * The settings of a convolution, as torch.nn.functional.conv2d's keyword arguments: stride, padding
 * (a number per side, or "same"), dilation, groups, and for a transposed convolution the output
 * padding. Start from {@link #defaults()} (stride 1, no padding, dilation 1, one group) and change
 * what you need: {@code ConvOptions.defaults().stride(2).padding(1)}. A 1-D convolution uses the
 * width settings ({@code stride(s)} sets both).
 *
 * @param same pad so that the output has the input's size (stride 1 only): torch's {@code
 *     padding="same"}; an even kernel pads one more on the bottom and right, as torch does
 */
public record ConvOptions(
    int strideH,
    int strideW,
    int padH,
    int padW,
    int dilationH,
    int dilationW,
    int groups,
    boolean same,
    int outputPadH,
    int outputPadW) {

  public ConvOptions {
    if (strideH < 1 || strideW < 1) {
      throw new IllegalArgumentException(
          "ConvOptions: stride must be >= 1, got " + strideH + "x" + strideW);
    }
    if (padH < 0 || padW < 0) {
      throw new IllegalArgumentException(
          "ConvOptions: padding must be >= 0, got " + padH + "x" + padW);
    }
    if (dilationH < 1 || dilationW < 1) {
      throw new IllegalArgumentException(
          "ConvOptions: dilation must be >= 1, got " + dilationH + "x" + dilationW);
    }
    if (groups < 1) {
      throw new IllegalArgumentException("ConvOptions: groups must be >= 1, got " + groups);
    }
    if (outputPadH < 0 || outputPadW < 0) {
      throw new IllegalArgumentException(
          "ConvOptions: output padding must be >= 0, got " + outputPadH + "x" + outputPadW);
    }
  }

  /** Stride 1, no padding, dilation 1, one group: torch's defaults. */
  public static ConvOptions defaults() {
    return new ConvOptions(1, 1, 0, 0, 1, 1, 1, false, 0, 0);
  }

  public ConvOptions stride(int s) {
    return stride(s, s);
  }

  public ConvOptions stride(int h, int w) {
    return new ConvOptions(
        h, w, padH, padW, dilationH, dilationW, groups, same, outputPadH, outputPadW);
  }

  /** Zeros on every side: {@code p} rows above and below, {@code p} columns left and right. */
  public ConvOptions padding(int p) {
    return padding(p, p);
  }

  public ConvOptions padding(int h, int w) {
    return new ConvOptions(
        strideH, strideW, h, w, dilationH, dilationW, groups, false, outputPadH, outputPadW);
  }

  /** torch's {@code padding="same"}: the output keeps the input's size (stride 1). */
  public ConvOptions paddingSame() {
    return new ConvOptions(
        strideH, strideW, 0, 0, dilationH, dilationW, groups, true, outputPadH, outputPadW);
  }

  public ConvOptions dilation(int d) {
    return dilation(d, d);
  }

  public ConvOptions dilation(int h, int w) {
    return new ConvOptions(
        strideH, strideW, padH, padW, h, w, groups, same, outputPadH, outputPadW);
  }

  /**
   * Channels in {@code g} independent groups; {@code g} equal to the input channels is a depthwise
   * convolution.
   */
  public ConvOptions groups(int g) {
    return new ConvOptions(
        strideH, strideW, padH, padW, dilationH, dilationW, g, same, outputPadH, outputPadW);
  }

  /** For a transposed convolution: extra rows and columns on the bottom and right of the output. */
  public ConvOptions outputPadding(int p) {
    return outputPadding(p, p);
  }

  public ConvOptions outputPadding(int h, int w) {
    return new ConvOptions(strideH, strideW, padH, padW, dilationH, dilationW, groups, same, h, w);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("stride ").append(pair(strideH, strideW));
    s.append(", padding ").append(same ? "same" : pair(padH, padW));
    s.append(", dilation ").append(pair(dilationH, dilationW));
    s.append(", groups ").append(groups);
    if (outputPadH != 0 || outputPadW != 0) {
      s.append(", output padding ").append(pair(outputPadH, outputPadW));
    }
    return s.toString();
  }

  private static String pair(int h, int w) {
    return h == w ? Integer.toString(h) : h + "x" + w;
  }
}
