package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.ConvOptions;
import dev.quiver.runtime.Tensor;

/**
 * A 2-D convolution over {@code [batch, channels, height, width]} images: torch's {@code
 * nn.Conv2d}, weight {@code [out, in / groups, kh, kw]} and bias {@code [out]}, plus an optional
 * activation. The input channels are found on the first batch.
 *
 * <pre>{@code
 * Conv2d.of(32, 3).paddingSame().relu()     // 32 filters of 3x3, output as large as the input
 * Conv2d.of(64, 3).stride(2).padding(1)     // halves height and width
 * Conv2d.of(32, 3).groups(32)               // depthwise on 32 channels
 * }</pre>
 */
public final class Conv2d extends ConvLayer<Conv2d> implements Saveable<Conv2d.Config> {

  /** What a saved model holds of a Conv2d; {@code activation} is null for none. */
  public record Config(
      long channels,
      int[] kernel,
      int[] stride,
      int[] padding,
      boolean same,
      int[] dilation,
      int groups,
      boolean bias,
      Activation activation)
      implements LayerConfig {
    @Override
    public Conv2d create() {
      Conv2d c = Conv2d.of(channels, kernel[0], kernel[1]);
      c.options = options(stride, padding, same, dilation, groups);
      c.useBias = bias;
      c.activation = activation;
      return c;
    }
  }

  private Conv2d(long channels, int kh, int kw) {
    super("Conv2d", channels, kh, kw);
  }

  /** {@code channels} filters of {@code kernel x kernel}. */
  public static Conv2d of(long channels, int kernel) {
    return new Conv2d(channels, kernel, kernel);
  }

  public static Conv2d of(long channels, int kernelH, int kernelW) {
    return new Conv2d(channels, kernelH, kernelW);
  }

  @Override
  int spatialAxes() {
    return 2;
  }

  @Override
  long[] weightShape(long in) {
    return new long[] {channels, in / options.groups(), kernel[0], kernel[1]};
  }

  @Override
  Tensor convolve(Tensor x, Tensor w, Tensor b) {
    return x.conv2d(w, b, options);
  }

  @Override
  public Config config() {
    ConvOptions o = options;
    return new Config(
        channels,
        kernel.clone(),
        new int[] {o.strideH(), o.strideW()},
        new int[] {o.padH(), o.padW()},
        o.same(),
        new int[] {o.dilationH(), o.dilationW()},
        o.groups(),
        useBias,
        activation);
  }

  /** Options from a saved config's arrays (one value for 1-D, two for 2-D). */
  static ConvOptions options(
      int[] stride, int[] padding, boolean same, int[] dilation, int groups) {
    ConvOptions o =
        ConvOptions.defaults()
            .stride(stride[0], stride[stride.length - 1])
            .dilation(dilation[0], dilation[dilation.length - 1])
            .groups(groups);
    return same ? o.paddingSame() : o.padding(padding[0], padding[padding.length - 1]);
  }
}
