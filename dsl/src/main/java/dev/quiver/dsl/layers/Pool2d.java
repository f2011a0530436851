package dev.quiver.dsl.layers;

import dev.quiver.dsl.Module;
import dev.quiver.runtime.PoolOptions;
import java.util.Arrays;

/**
 * What {@link MaxPool2d} and {@link AvgPool2d} share: torch's settings (kernel, stride, padding,
 * ceil mode) over {@code [batch, channels, height, width]}; no parameters.
 *
 * @param <S> the layer's own type, which the settings return
 */
public abstract class Pool2d<S extends Pool2d<S>> extends Module {
  PoolOptions options;

  Pool2d(String type, int kernelH, int kernelW) {
    if (kernelH <= 0 || kernelW <= 0) {
      throw new IllegalArgumentException(
          type + ": the kernel size must be positive, got " + kernelH + "x" + kernelW);
    }
    options = PoolOptions.kernel(kernelH, kernelW);
  }

  @SuppressWarnings("unchecked")
  S self() {
    return (S) this;
  }

  /** Windows every {@code s} pixels (the kernel size unless set). */
  public S stride(int s) {
    options = options.stride(s);
    return self();
  }

  public S stride(int h, int w) {
    options = options.stride(h, w);
    return self();
  }

  /** Implicit padding on every side: -infinity for a max, zeros for an average. */
  public S padding(int p) {
    options = options.padding(p);
    return self();
  }

  public S padding(int h, int w) {
    options = options.padding(h, w);
    return self();
  }

  /** Rounds the output size up, so a last partial window counts (torch's {@code ceil_mode}). */
  public S ceilMode() {
    options = options.ceilMode();
    return self();
  }

  public PoolOptions options() {
    return options;
  }

  @Override
  protected long[] onBuild(long[] sampleShape) {
    if (sampleShape.length != 3) {
      throw new IllegalArgumentException(
          describe()
              + ": expects inputs [batch, channels, height, width], got per-sample shape "
              + Arrays.toString(sampleShape));
    }
    return super.onBuild(sampleShape);
  }

  static PoolOptions options(
      int[] kernel, int[] stride, int[] padding, boolean ceil, boolean countIncludePad) {
    PoolOptions o =
        PoolOptions.kernel(kernel[0], kernel[1])
            .stride(stride[0], stride[1])
            .padding(padding[0], padding[1]);
    o = ceil ? o.ceilMode() : o;
    return countIncludePad ? o : o.excludePadding();
  }
}
