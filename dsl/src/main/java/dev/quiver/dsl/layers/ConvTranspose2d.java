package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.ConvOptions;
import dev.quiver.runtime.Tensor;

/**
 * The transposed 2-D convolution (the adjoint of {@link Conv2d}, for upsampling in decoders and
 * generators): torch's {@code nn.ConvTranspose2d}, weight {@code [in, out / groups, kh, kw]} and
 * bias {@code [out]}. The output is {@code (in - 1)·stride - 2·padding + dilation·(k - 1) +
 * outputPadding + 1} per axis.
 *
 * <pre>{@code
 * ConvTranspose2d.of(16, 4).stride(2).padding(1)   // doubles height and width
 * }</pre>
 */
public final class ConvTranspose2d extends ConvLayer<ConvTranspose2d>
    implements Saveable<ConvTranspose2d.Config> {

  /** What a saved model holds of a ConvTranspose2d; {@code activation} is null for none. */
  public record Config(
      long channels,
      int[] kernel,
      int[] stride,
      int[] padding,
      int[] outputPadding,
      int[] dilation,
      int groups,
      boolean bias,
      Activation activation)
      implements LayerConfig {
    @Override
    public ConvTranspose2d create() {
      ConvTranspose2d c = ConvTranspose2d.of(channels, kernel[0], kernel[1]);
      c.options =
          Conv2d.options(stride, padding, false, dilation, groups)
              .outputPadding(outputPadding[0], outputPadding[1]);
      c.useBias = bias;
      c.activation = activation;
      return c;
    }
  }

  private ConvTranspose2d(long channels, int kh, int kw) {
    super("ConvTranspose2d", channels, kh, kw);
  }

  public static ConvTranspose2d of(long channels, int kernel) {
    return new ConvTranspose2d(channels, kernel, kernel);
  }

  public static ConvTranspose2d of(long channels, int kernelH, int kernelW) {
    return new ConvTranspose2d(channels, kernelH, kernelW);
  }

  /** Extra rows and columns on the bottom and right, to pick among the sizes a stride allows. */
  public ConvTranspose2d outputPadding(int p) {
    checkNotBuilt("outputPadding");
    options = options.outputPadding(p);
    return this;
  }

  @Override
  int spatialAxes() {
    return 2;
  }

  @Override
  long[] weightShape(long in) {
    return new long[] {in, channels / options.groups(), kernel[0], kernel[1]};
  }

  @Override
  Tensor convolve(Tensor x, Tensor w, Tensor b) {
    return x.convTranspose2d(w, b, options);
  }

  @Override
  public Config config() {
    ConvOptions o = options;
    return new Config(
        channels,
        kernel.clone(),
        new int[] {o.strideH(), o.strideW()},
        new int[] {o.padH(), o.padW()},
        new int[] {o.outputPadH(), o.outputPadW()},
        new int[] {o.dilationH(), o.dilationW()},
        o.groups(),
        useBias,
        activation);
  }
}
