package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.PoolOptions;
import dev.quiver.runtime.Tensor;

/**
 * The mean of each window, per channel: torch's {@code nn.AvgPool2d}. With padding, the zeros count
 * in the divisor unless {@link #excludePadding()} (torch's {@code count_include_pad=False}).
 *
 * <pre>{@code
 * AvgPool2d.of(2)     // LeNet's subsampling
 * }</pre>
 */
public final class AvgPool2d extends Pool2d<AvgPool2d> implements Saveable<AvgPool2d.Config> {

  /** What a saved model holds of an AvgPool2d. */
  public record Config(
      int[] kernel, int[] stride, int[] padding, boolean ceil, boolean countIncludePad)
      implements LayerConfig {
    @Override
    public AvgPool2d create() {
      AvgPool2d m = AvgPool2d.of(kernel[0], kernel[1]);
      m.options = options(kernel, stride, padding, ceil, countIncludePad);
      return m;
    }
  }

  private AvgPool2d(int h, int w) {
    super("AvgPool2d", h, w);
  }

  /** {@code k x k} windows every {@code k} pixels. */
  public static AvgPool2d of(int k) {
    return new AvgPool2d(k, k);
  }

  public static AvgPool2d of(int kernelH, int kernelW) {
    return new AvgPool2d(kernelH, kernelW);
  }

  /** Divides by the positions inside the input only. */
  public AvgPool2d excludePadding() {
    options = options.excludePadding();
    return this;
  }

  @Override
  protected Tensor forward(Tensor x) {
    return x.avgPool2d(options);
  }

  @Override
  public Config config() {
    PoolOptions o = options;
    return new Config(
        new int[] {o.kernelH(), o.kernelW()},
        new int[] {o.strideH(), o.strideW()},
        new int[] {o.padH(), o.padW()},
        o.ceil(),
        o.countIncludePad());
  }
}
