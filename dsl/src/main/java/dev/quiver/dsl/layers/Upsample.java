package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Module;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.Interpolation;
import dev.quiver.runtime.Tensor;
import java.util.Arrays;

/**
 * Enlarges {@code [batch, C, H, W]} images by an integer factor: torch's {@code nn.Upsample(
 * scale_factor=s)}, nearest neighbour unless {@link #bilinear()}. No parameters.
 */
public final class Upsample extends Module implements Saveable<Upsample.Config> {
  private final int scale;
  private final Interpolation mode;

  /** What a saved model holds of an Upsample layer. */
  public record Config(int scale, Interpolation mode) implements LayerConfig {
    @Override
    public Upsample create() {
      return new Upsample(scale, mode);
    }
  }

  private Upsample(int scale, Interpolation mode) {
    if (scale < 1) {
      throw new IllegalArgumentException("Upsample: scale must be >= 1, got " + scale);
    }
    if (mode == null) {
      throw new IllegalArgumentException("Upsample: interpolation mode is null");
    }
    this.scale = scale;
    this.mode = mode;
  }

  /** {@code scale} times the height and width, nearest neighbour. */
  public static Upsample of(int scale) {
    return new Upsample(scale, Interpolation.NEAREST);
  }

  /** The same factor, bilinear (torch's {@code align_corners=False}). */
  public Upsample bilinear() {
    return new Upsample(scale, Interpolation.BILINEAR);
  }

  public int scale() {
    return scale;
  }

  public Interpolation mode() {
    return mode;
  }

  @Override
  public Config config() {
    return new Config(scale, mode);
  }

  @Override
  protected long[] onBuild(long[] sampleShape) {
    if (sampleShape.length != 3) {
      throw new IllegalArgumentException(
          describe()
              + ": expects inputs [batch, channels, height, width], got per-sample shape "
              + Arrays.toString(sampleShape));
    }
    return new long[] {sampleShape[0], sampleShape[1] * scale, sampleShape[2] * scale};
  }

  @Override
  protected Tensor forward(Tensor x) {
    return x.upsample(scale, mode);
  }
}
