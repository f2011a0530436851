package dev.quiver.dsl.plot;

import dev.quiver.display.Displayable;
import dev.quiver.display.MimeBundle;
import dev.quiver.display.Png;
import dev.quiver.display.Svg;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.TensorImages;
import java.util.Base64;
import java.util.List;

/**
 * Images in a cell: a batch {@code [N, C, H, W]} (or one image {@code [C, H, W]}, {@code [H, W]})
 * as a grid, optionally with a caption under each image; conv filters and feature maps as grids of
 * grey pictures. Values in [0, 1] show as they are, others from each image's minimum (black) to its
 * maximum (white). Immutable: each setting returns a new picture.
 *
 * <pre>{@code
 * Images.of(train.x().slice(0, 0, 16)).labels(names)       // the first 16, with their classes
 * Images.filters(conv.weight().value())                    // what the first layer learned
 * Images.featureMaps(conv.apply(x.slice(0, 0, 1)))         // one image through a layer
 * }</pre>
 */
public final class Images implements Displayable {
  private final Tensor images;
  private final List<String> labels;
  private final int columns;
  private final int scale;

  private Images(Tensor images, List<String> labels, int columns, int scale) {
    if (columns < 1 || scale < 1) {
      throw new IllegalArgumentException(
          "Images: columns and scale must be >= 1, got " + columns + " and " + scale);
    }
    if (labels != null && labels.size() != images.size(0)) {
      throw new IllegalArgumentException(
          "Images: " + labels.size() + " labels for " + images.size(0) + " images");
    }
    this.images = images;
    this.labels = labels;
    this.columns = columns;
    this.scale = scale;
  }

  /** A batch {@code [N, C, H, W]} (C 1 or 3), an image {@code [C, H, W]} or {@code [H, W]}. */
  public static Images of(Tensor x) {
    Tensor b =
        switch (x.dim()) {
          case 2 -> x.reshape(1, 1, x.size(0), x.size(1));
          case 3 -> x.reshape(1, x.size(0), x.size(1), x.size(2));
          case 4 -> x;
          default ->
              throw new IllegalArgumentException(
                  "Images.of: images are [H, W], [C, H, W] or [N, C, H, W], got shape "
                      + x.shapeString());
        };
    if (b.size(1) != 1 && b.size(1) != 3) {
      throw new IllegalArgumentException(
          "Images.of: images have 1 or 3 channels, got shape "
              + x.shapeString()
              + "; for the channels of a feature map use Images.featureMaps");
    }
    long h = b.size(2);
    return new Images(b, null, 16, (int) Math.max(1, Math.min(8, 64 / Math.max(1, h))));
  }

  /**
   * The filters of a convolution weight {@code [out, in, kh, kw]}: one row per output channel, one
   * grey picture per input channel (RGB pictures when there are 3 input channels).
   */
  public static Images filters(Tensor weight) {
    if (weight.dim() != 4) {
      throw new IllegalArgumentException(
          "Images.filters: a conv weight is [out, in, kh, kw], got shape " + weight.shapeString());
    }
    long out = weight.size(0);
    long in = weight.size(1);
    Tensor w = weight.detach();
    if (in == 3) {
      return new Images(w, null, 16, 8);
    }
    return new Images(
        w.reshape(out * in, 1, w.size(2), w.size(3)), null, (int) Math.min(in, 32), 8);
  }

  /** The channels of a feature map {@code [C, H, W]} (or {@code [1, C, H, W]}), each in grey. */
  public static Images featureMaps(Tensor maps) {
    Tensor m = maps.dim() == 4 && maps.size(0) == 1 ? maps.select(0, 0) : maps;
    if (m.dim() != 3) {
      throw new IllegalArgumentException(
          "Images.featureMaps: feature maps are [C, H, W] or [1, C, H, W], got shape "
              + maps.shapeString());
    }
    Tensor g = m.detach().reshape(m.size(0), 1, m.size(1), m.size(2));
    return new Images(g, null, 8, (int) Math.max(1, Math.min(6, 48 / Math.max(1, m.size(1)))));
  }

  /** A caption under each image (as many as images). */
  public Images labels(List<String> captions) {
    return new Images(images, List.copyOf(captions), columns, scale);
  }

  /** Images per row. */
  public Images columns(int n) {
    return new Images(images, labels, n, scale);
  }

  /** Each pixel drawn as {@code k x k}. */
  public Images scale(int k) {
    return new Images(images, labels, columns, k);
  }

  /** The grid as a PNG (without captions). */
  public Png png() {
    return TensorImages.grid(images, columns, scale);
  }

  @Override
  public MimeBundle toMimeBundle() {
    String plain = "Images " + images.size(0) + " x " + shapeText();
    if (labels == null) {
      return png().toMimeBundle().with(MimeBundle.TEXT_PLAIN, plain);
    }
    return new Svg(svg()).toMimeBundle().with(MimeBundle.TEXT_PLAIN, plain);
  }

  private String shapeText() {
    return images.size(1) + "x" + images.size(2) + "x" + images.size(3);
  }

  /** Each image a PNG placed in an SVG grid, its caption under it. */
  private String svg() {
    int n = (int) images.size(0);
    int cellW = (int) images.size(3) * scale;
    int cellH = (int) images.size(2) * scale;
    int textH = 14;
    int gap = 6;
    int cols = Math.min(columns, n);
    int rows = (n + cols - 1) / cols;
    int colW = Math.max(cellW, 56);
    int width = cols * (colW + gap);
    int height = rows * (cellH + textH + gap);
    boolean unit = images.min().item() >= 0 && images.max().item() <= 1;
    var s = new StringBuilder();
    s.append("<svg xmlns='http://www.w3.org/2000/svg' width='")
        .append(width)
        .append("' height='")
        .append(height)
        .append("' font-family='sans-serif' font-size='10'>");
    for (int i = 0; i < n; i++) {
      int x = (i % cols) * (colW + gap) + (colW - cellW) / 2;
      int y = (i / cols) * (cellH + textH + gap);
      Tensor one = images.slice(0, i, i + 1);
      if (!unit) {
        one = one.sub(one.min()).div(Math.max(1e-12, one.max().item() - one.min().item()));
      }
      String png = Base64.getEncoder().encodeToString(TensorImages.grid(one, 1, scale).bytes());
      s.append("<image x='")
          .append(x)
          .append("' y='")
          .append(y)
          .append("' width='")
          .append(cellW)
          .append("' height='")
          .append(cellH)
          .append("' style='image-rendering:pixelated' href='data:image/png;base64,")
          .append(png)
          .append("'/>");
      s.append("<text x='")
          .append((i % cols) * (colW + gap) + colW / 2)
          .append("' y='")
          .append(y + cellH + 11)
          .append("' text-anchor='middle'>")
          .append(escape(labels.get(i)))
          .append("</text>");
    }
    return s.append("</svg>").toString();
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
  }

  @Override
  public String toString() {
    return "Images " + images.size(0) + " x " + shapeText();
  }
}
