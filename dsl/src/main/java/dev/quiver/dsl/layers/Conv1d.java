package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.ConvOptions;
import dev.quiver.runtime.Tensor;

/**
 * A 1-D convolution over {@code [batch, channels, length]} sequences: torch's {@code nn.Conv1d},
 * weight {@code [out, in / groups, k]} and bias {@code [out]}, plus an optional activation.
 *
 * <pre>{@code
 * Conv1d.of(16, 5).paddingSame().relu()
 * }</pre>
 */
public final class Conv1d extends ConvLayer<Conv1d> implements Saveable<Conv1d.Config> {

  /** What a saved model holds of a Conv1d; {@code activation} is null for none. */
  public record Config(
      long channels,
      int kernel,
      int stride,
      int padding,
      boolean same,
      int dilation,
      int groups,
      boolean bias,
      Activation activation)
      implements LayerConfig {
    @Override
    public Conv1d create() {
      Conv1d c = Conv1d.of(channels, kernel);
      c.options =
          Conv2d.options(
              new int[] {stride}, new int[] {padding}, same, new int[] {dilation}, groups);
      c.useBias = bias;
      c.activation = activation;
      return c;
    }
  }

  private Conv1d(long channels, int k) {
    super("Conv1d", channels, k);
  }

  /** {@code channels} filters of width {@code kernel}. */
  public static Conv1d of(long channels, int kernel) {
    return new Conv1d(channels, kernel);
  }

  @Override
  int spatialAxes() {
    return 1;
  }

  @Override
  long[] weightShape(long in) {
    return new long[] {channels, in / options.groups(), kernel[0]};
  }

  @Override
  Tensor convolve(Tensor x, Tensor w, Tensor b) {
    return x.conv1d(w, b, options);
  }

  @Override
  public Config config() {
    ConvOptions o = options;
    return new Config(
        channels,
        kernel[0],
        o.strideW(),
        o.padW(),
        o.same(),
        o.dilationW(),
        o.groups(),
        useBias,
        activation);
  }
}
