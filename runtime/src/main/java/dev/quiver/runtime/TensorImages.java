package dev.quiver.runtime;

import dev.quiver.display.Png;

/**
 * Tensors as pictures: an image {@code [H, W]} or {@code [C, H, W]} (C 1 for grey, 3 for RGB), or a
 * batch {@code [N, C, H, W]} as a grid, rows of {@code columns} images. Values in [0, 1] are shown
 * as they are (0 black, 1 white); a tensor with values outside is shown image by image from its own
 * minimum (black) to its maximum (white), which suits filters and feature maps. A tensor of 3 or 4
 * axes shaped like images shows this way in a cell by itself ({@link Tensor#toMimeBundle}).
 */
public final class TensorImages {
  private TensorImages() {}

  /** Most pixels a grid may have. */
  static final long MAX_PIXELS = 16L << 20;

  /**
   * Whether a tensor shows as images by itself: float {@code [1|3, H, W]} or {@code [N, 1|3, H,
   * W]}.
   */
  public static boolean looksLikeImages(Tensor t) {
    if (!t.dtype().isFloating() || (t.dim() != 3 && t.dim() != 4)) {
      return false;
    }
    long c = t.size(t.dim() - 3);
    long h = t.size(t.dim() - 2);
    long w = t.size(t.dim() - 1);
    long n = t.dim() == 4 ? t.size(0) : 1;
    return (c == 1 || c == 3) && h >= 4 && w >= 4 && n >= 1 && n * h * w <= MAX_PIXELS;
  }

  /**
   * The images of t (see the class comment), {@code columns} to a row, each pixel scale x scale.
   */
  public static Png grid(Tensor t, int columns, int scale) {
    if (columns < 1 || scale < 1) {
      throw new IllegalArgumentException(
          "TensorImages.grid: columns and scale must be >= 1, got " + columns + " and " + scale);
    }
    Tensor b =
        switch (t.dim()) {
          case 2 -> t.reshape(1, 1, t.size(0), t.size(1));
          case 3 -> t.reshape(1, t.size(0), t.size(1), t.size(2));
          case 4 -> t;
          default ->
              throw new IllegalArgumentException(
                  "TensorImages.grid: images are [H, W], [C, H, W] or [N, C, H, W], got shape "
                      + t.shapeString());
        };
    int n = Math.toIntExact(b.size(0));
    int c = Math.toIntExact(b.size(1));
    int h = Math.toIntExact(b.size(2));
    int w = Math.toIntExact(b.size(3));
    if (c != 1 && c != 3) {
      throw new IllegalArgumentException(
          "TensorImages.grid: images have 1 (grey) or 3 (RGB) channels, got "
              + c
              + " in shape "
              + t.shapeString()
              + "; show one channel at a time, e.g. x.slice(1, 0, 1)");
    }
    if ((long) n * h * w * scale * scale > MAX_PIXELS) {
      throw new IllegalArgumentException(
          "TensorImages.grid: " + n + " images of " + h + "x" + w + " are too many pixels to show");
    }
    float[] v = b.to(Device.CPU).to(DType.FLOAT32).contiguous().toFloatArray();
    boolean unit = true;
    for (float x : v) {
      if (!(x >= 0 && x <= 1)) {
        unit = false;
        break;
      }
    }
    int cols = Math.min(columns, n);
    int rows = (n + cols - 1) / cols;
    int gap = n == 1 ? 0 : 2;
    int cellW = w * scale;
    int cellH = h * scale;
    int width = cols * cellW + (cols - 1) * gap;
    int height = rows * cellH + (rows - 1) * gap;
    byte[] px = new byte[width * height * c];
    java.util.Arrays.fill(px, (byte) 255);
    int per = c * h * w;
    for (int i = 0; i < n; i++) {
      float lo = 0;
      float span = 1;
      if (!unit) {
        lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (int k = 0; k < per; k++) {
          float x = v[i * per + k];
          if (Float.isFinite(x)) {
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
          }
        }
        span = hi > lo ? hi - lo : 1;
        lo = Float.isFinite(lo) ? lo : 0;
      }
      int x0 = (i % cols) * (cellW + gap);
      int y0 = (i / cols) * (cellH + gap);
      for (int y = 0; y < cellH; y++) {
        for (int x = 0; x < cellW; x++) {
          for (int ch = 0; ch < c; ch++) {
            float value = v[i * per + ch * h * w + (y / scale) * w + x / scale];
            double level = Float.isFinite(value) ? (value - lo) / span : 0;
            int g = (int) Math.round(255 * Math.max(0, Math.min(1, level)));
            px[((y0 + y) * width + x0 + x) * c + ch] = (byte) g;
          }
        }
      }
    }
    return Png.encode(width, height, c, px);
  }

  /** The default picture of an image-shaped tensor: 16 to a row, small images enlarged. */
  static Png auto(Tensor t) {
    long h = t.size(t.dim() - 2);
    int scale = (int) Math.max(1, Math.min(8, 96 / Math.max(1, h)));
    return grid(t, 16, scale);
  }
}
