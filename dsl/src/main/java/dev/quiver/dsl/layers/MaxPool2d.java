package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.PoolOptions;
import dev.quiver.runtime.Tensor;

/**
 * The largest value of each window, per channel: torch's {@code nn.MaxPool2d}. The gradient flows
 * back to the position of each window's maximum only.
 *
 * <pre>{@code
 * MaxPool2d.of(2)                          // 2x2 windows every 2: halves height and width
 * MaxPool2d.of(3).stride(2).padding(1)     // ResNet's stem
 * }</pre>
 */
public final class MaxPool2d extends Pool2d<MaxPool2d> implements Saveable<MaxPool2d.Config> {

  /** What a saved model holds of a MaxPool2d. */
  public record Config(int[] kernel, int[] stride, int[] padding, boolean ceil)
      implements LayerConfig {
    @Override
    public MaxPool2d create() {
      MaxPool2d m = MaxPool2d.of(kernel[0], kernel[1]);
      m.options = options(kernel, stride, padding, ceil, true);
      return m;
    }
  }

  private MaxPool2d(int h, int w) {
    super("MaxPool2d", h, w);
  }

  /** {@code k x k} windows every {@code k} pixels. */
  public static MaxPool2d of(int k) {
    return new MaxPool2d(k, k);
  }

  public static MaxPool2d of(int kernelH, int kernelW) {
    return new MaxPool2d(kernelH, kernelW);
  }

  @Override
  protected Tensor forward(Tensor x) {
    return x.maxPool2d(options);
  }

  @Override
  public Config config() {
    PoolOptions o = options;
    return new Config(
        new int[] {o.kernelH(), o.kernelW()},
        new int[] {o.strideH(), o.strideW()},
        new int[] {o.padH(), o.padW()},
        o.ceil());
  }
}
