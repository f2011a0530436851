package dev.quiver.dsl.data;

import java.util.SplittableRandom;

/**
 * A change applied to each image of a batch as it is loaded (data augmentation, normalization):
 * torchvision's transforms, on a whole {@code [n, C, H, W]} float32 batch at once. The random ones
 * draw from the generator they are given, so a seeded {@link Loader} gives the same batches every
 * run. Made by {@link Transforms}; chained with {@link #then}.
 */
@FunctionalInterface
public interface Transform {
  /**
   * Transforms {@code n} images of {@code c x h x w} floats, row-major in {@code x}; returns the
   * result, whose per-image size is {@link #outputShape} of the input's (it may be {@code x}
   * itself, changed in place).
   */
  float[] apply(float[] x, int n, int c, int h, int w, SplittableRandom random);

  /** The per-image shape {@code [c, h, w]} this transform makes of {@code [c, h, w]}. */
  default int[] outputShape(int c, int h, int w) {
    return new int[] {c, h, w};
  }

  /** This transform, then {@code next}. */
  default Transform then(Transform next) {
    Transform first = this;
    return new Transform() {
      @Override
      public float[] apply(float[] x, int n, int c, int h, int w, SplittableRandom random) {
        int[] s = first.outputShape(c, h, w);
        return next.apply(first.apply(x, n, c, h, w, random), n, s[0], s[1], s[2], random);
      }

      @Override
      public int[] outputShape(int c, int h, int w) {
        int[] s = first.outputShape(c, h, w);
        return next.outputShape(s[0], s[1], s[2]);
      }
    };
  }
}
