package dev.quiver.dsl.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The image transforms of a training pipeline, as torchvision names them: {@link #normalize},
 * {@link #randomCrop}, {@link #randomHorizontalFlip}, {@link #randomAffine}, chained with {@link
 * Transform#then}:
 *
 * <pre>{@code
 * var augment = Transforms.randomCrop(28, 2).then(Transforms.randomHorizontalFlip(0.5));
 * model.fit(train, Fit.epochs(5).augment(augment) ...);
 * }</pre>
 */
public final class Transforms {
  private Transforms() {}

  /** (x - mean[c]) / std[c] per channel; one value each applies to every channel. */
  public static Transform normalize(double[] mean, double[] std) {
    if (mean.length != std.length || mean.length == 0) {
      throw new IllegalArgumentException(
          "normalize: mean and std need one value per channel, got "
              + Arrays.toString(mean)
              + " and "
              + Arrays.toString(std));
    }
    for (double s : std) {
      if (!(s > 0)) {
        throw new IllegalArgumentException(
            "normalize: std must be positive, got " + Arrays.toString(std));
      }
    }
    return (x, n, c, h, w, random) -> {
      if (mean.length != 1 && mean.length != c) {
        throw new IllegalArgumentException(
            "normalize: " + mean.length + " channel means for images of " + c + " channels");
      }
      int plane = h * w;
      for (int i = 0; i < n; i++) {
        for (int ch = 0; ch < c; ch++) {
          int k = mean.length == 1 ? 0 : ch;
          float m = (float) mean[k];
          float inv = (float) (1 / std[k]);
          int base = (i * c + ch) * plane;
          for (int p = 0; p < plane; p++) {
            x[base + p] = (x[base + p] - m) * inv;
          }
        }
      }
      return x;
    };
  }

  /** {@link #normalize(double[], double[])} with one mean and std for every channel. */
  public static Transform normalize(double mean, double std) {
    return normalize(new double[] {mean}, new double[] {std});
  }

  /**
   * Pads each image with {@code padding} zeros on every side, then cuts a {@code size x size}
   * window at a random place: a shift of up to {@code padding} pixels when {@code size} is the
   * image size (torchvision's {@code RandomCrop(size, padding)}).
   */
  public static Transform randomCrop(int size, int padding) {
    if (size < 1 || padding < 0) {
      throw new IllegalArgumentException(
          "randomCrop: size must be >= 1 and padding >= 0, got size "
              + size
              + ", padding "
              + padding);
    }
    return new Transform() {
      @Override
      public float[] apply(float[] x, int n, int c, int h, int w, SplittableRandom random) {
        int ph = h + 2 * padding;
        int pw = w + 2 * padding;
        if (size > ph || size > pw) {
          throw new IllegalArgumentException(
              "randomCrop: a "
                  + size
                  + "x"
                  + size
                  + " crop is larger than the padded "
                  + ph
                  + "x"
                  + pw
                  + " image");
        }
        float[] out = new float[n * c * size * size];
        for (int i = 0; i < n; i++) {
          int top = random.nextInt(ph - size + 1) - padding;
          int left = random.nextInt(pw - size + 1) - padding;
          for (int ch = 0; ch < c; ch++) {
            int src = (i * c + ch) * h * w;
            int dst = (i * c + ch) * size * size;
            for (int r = 0; r < size; r++) {
              int sr = top + r;
              if (sr < 0 || sr >= h) {
                continue;
              }
              int from = Math.max(0, -left);
              int to = Math.min(size, w - left);
              if (to > from) {
                System.arraycopy(
                    x, src + sr * w + left + from, out, dst + r * size + from, to - from);
              }
            }
          }
        }
        return out;
      }

      @Override
      public int[] outputShape(int c, int h, int w) {
        return new int[] {c, size, size};
      }
    };
  }

  /** Mirrors each image left to right with probability {@code p}. */
  public static Transform randomHorizontalFlip(double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException("randomHorizontalFlip: p must be in [0, 1], got " + p);
    }
    return (x, n, c, h, w, random) -> {
      for (int i = 0; i < n; i++) {
        if (random.nextDouble() >= p) {
          continue;
        }
        for (int row = 0; row < c * h; row++) {
          int base = (i * c * h + row) * w;
          for (int a = base, b = base + w - 1; a < b; a++, b--) {
            float t = x[a];
            x[a] = x[b];
            x[b] = t;
          }
        }
      }
      return x;
    };
  }

  /**
   * Rotates each image by a random angle in [-degrees, degrees] about its centre and shifts it by
   * up to {@code translate} of its width and height (torchvision's {@code RandomAffine(degrees,
   * translate=(t, t))}); bilinear, zeros where the image moved away.
   */
  public static Transform randomAffine(double degrees, double translate) {
    if (!(degrees >= 0 && degrees <= 180) || !(translate >= 0 && translate <= 1)) {
      throw new IllegalArgumentException(
          "randomAffine: degrees must be in [0, 180] and translate in [0, 1], got "
              + degrees
              + " and "
              + translate);
    }
    return (x, n, c, h, w, random) -> {
      float[] out = new float[x.length];
      double cy = (h - 1) / 2.0;
      double cx = (w - 1) / 2.0;
      for (int i = 0; i < n; i++) {
        double a = Math.toRadians((2 * random.nextDouble() - 1) * degrees);
        double ty = Math.round((2 * random.nextDouble() - 1) * translate * h);
        double tx = Math.round((2 * random.nextDouble() - 1) * translate * w);
        double cos = Math.cos(a);
        double sin = Math.sin(a);
        for (int r = 0; r < h; r++) {
          for (int q = 0; q < w; q++) {
            // The source of output pixel (r, q): undo the shift, then the rotation.
            double dy = r - ty - cy;
            double dx = q - tx - cx;
            double sy = cos * dy - sin * dx + cy;
            double sx = sin * dy + cos * dx + cx;
            int y0 = (int) Math.floor(sy);
            int x0 = (int) Math.floor(sx);
            double fy = sy - y0;
            double fx = sx - x0;
            for (int ch = 0; ch < c; ch++) {
              int plane = (i * c + ch) * h * w;
              double v =
                  (1 - fy)
                          * ((1 - fx) * at(x, plane, y0, x0, h, w)
                              + fx * at(x, plane, y0, x0 + 1, h, w))
                      + fy
                          * ((1 - fx) * at(x, plane, y0 + 1, x0, h, w)
                              + fx * at(x, plane, y0 + 1, x0 + 1, h, w));
              out[plane + r * w + q] = (float) v;
            }
          }
        }
      }
      return out;
    };
  }

  private static float at(float[] x, int plane, int r, int q, int h, int w) {
    return r < 0 || r >= h || q < 0 || q >= w ? 0 : x[plane + r * w + q];
  }
}
