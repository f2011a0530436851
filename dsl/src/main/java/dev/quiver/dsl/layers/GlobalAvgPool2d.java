package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Module;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.Tensor;
import java.util.Arrays;

/**
 * The mean of each channel over the whole image: {@code [batch, C, H, W] -> [batch, C]}, Keras'
 * {@code GlobalAveragePooling2D} (torch's {@code AdaptiveAvgPool2d(1)} followed by a flatten). The
 * head of most modern CNNs: any image size gives the same width.
 */
public final class GlobalAvgPool2d extends Module implements Saveable<GlobalAvgPool2d.Config> {
  /** A {@code GlobalAvgPool2d} has nothing to configure; the record names it in a saved model. */
  public record Config() implements LayerConfig {
    @Override
    public GlobalAvgPool2d create() {
      return GlobalAvgPool2d.of();
    }
  }

  public static GlobalAvgPool2d of() {
    return new GlobalAvgPool2d();
  }

  @Override
  public Config config() {
    return new Config();
  }

  @Override
  protected long[] onBuild(long[] sampleShape) {
    if (sampleShape.length != 3) {
      throw new IllegalArgumentException(
          describe()
              + ": expects inputs [batch, channels, height, width], got per-sample shape "
              + Arrays.toString(sampleShape));
    }
    return new long[] {sampleShape[0]};
  }

  @Override
  protected Tensor forward(Tensor x) {
    return x.mean(new int[] {2, 3}, false);
  }
}
