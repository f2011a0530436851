package dev.quiver.runtime.backend;

/**
 * The sizes of one 2-D convolution, already checked by the op: input {@code [batch, inChannels,
 * inH, inW]}, weight {@code [outChannels, inChannels / groups, kernelH, kernelW]}, output {@code
 * [batch, outChannels, outH, outW]} (torch's NCHW layout). Padding is given for the top and left
 * edges; the bottom and right padding follow from the output size (so "same" with an even kernel,
 * which pads one more on the far side, needs nothing else). Every position outside the input reads
 * as zero.
 *
 * <p>A 1-D convolution is one of these with {@code inH = outH = kernelH = 1}; a transposed
 * convolution is the adjoint of the convolution whose output has the transposed one's input size.
 */
public record ConvGeometry(
    int batch,
    int inChannels,
    int inH,
    int inW,
    int outChannels,
    int kernelH,
    int kernelW,
    int strideH,
    int strideW,
    int padTop,
    int padLeft,
    int dilationH,
    int dilationW,
    int groups,
    int outH,
    int outW) {

  public ConvGeometry {
    if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0) {
      throw new IllegalArgumentException(
          "ConvGeometry: groups "
              + groups
              + " must divide the channels "
              + inChannels
              + " and "
              + outChannels);
    }
    if (strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1) {
      throw new IllegalArgumentException(
          "ConvGeometry: strides and dilations must be >= 1, got stride "
              + strideH
              + "x"
              + strideW
              + ", dilation "
              + dilationH
              + "x"
              + dilationW);
    }
  }

  /** Input channels per group. */
  public int groupInChannels() {
    return inChannels / groups;
  }

  /** Output channels per group. */
  public int groupOutChannels() {
    return outChannels / groups;
  }

  /**
   * Rows of one group's column matrix: {@code groupInChannels · kernelH · kernelW}, one per weight
   * of an output channel.
   */
  public int columnRows() {
    return groupInChannels() * kernelH * kernelW;
  }

  /** Output pixels of one channel: {@code outH · outW}, the columns of the column matrix. */
  public int outPixels() {
    return outH * outW;
  }

  /** Input pixels of one channel. */
  public int inPixels() {
    return inH * inW;
  }

  /** Multiply-adds of the forward pass (each backward pass has as many). */
  public long macs() {
    return (long) batch * outChannels * outPixels() * columnRows();
  }

  /**
   * True when the column matrix of a sample is its input itself: a 1x1 kernel with stride 1 and no
   * padding.
   */
  public boolean isPointwise() {
    return kernelH == 1
        && kernelW == 1
        && strideH == 1
        && strideW == 1
        && padTop == 0
        && padLeft == 0
        && outH == inH
        && outW == inW;
  }

  /** The same geometry for a slice of the batch. */
  public ConvGeometry withBatch(int n) {
    return new ConvGeometry(
        n,
        inChannels,
        inH,
        inW,
        outChannels,
        kernelH,
        kernelW,
        strideH,
        strideW,
        padTop,
        padLeft,
        dilationH,
        dilationW,
        groups,
        outH,
        outW);
  }

  @Override
  public String toString() {
    return "input ["
        + batch
        + ","
        + inChannels
        + ","
        + inH
        + ","
        + inW
        + "], weight ["
        + outChannels
        + ","
        + groupInChannels()
        + ","
        + kernelH
        + ","
        + kernelW
        + "], output ["
        + batch
        + ","
        + outChannels
        + ","
        + outH
        + ","
        + outW
        + "], stride "
        + strideH
        + "x"
        + strideW
        + ", padding "
        + padTop
        + "x"
        + padLeft
        + ", dilation "
        + dilationH
        + "x"
        + dilationW
        + ", groups "
        + groups;
  }
}
