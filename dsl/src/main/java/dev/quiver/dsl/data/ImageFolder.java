package dev.quiver.dsl.data;

import dev.quiver.runtime.Tensor;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Images from a folder with one subfolder per class, torchvision's {@code ImageFolder}: {@code
 * root/cat/1.png}, {@code root/dog/x.jpg}, ... The classes are the subfolder names in sorted order
 * (label 0 the first); PNG, JPEG, GIF and BMP files are read through {@code javax.imageio}, others
 * skipped. x is float32 {@code [n, C, H, W]} in [0, 1], C 1 when every image is grey, else 3 (RGB);
 * the images must share one size unless {@link #read(Path, int, int)} resizes them. Files are
 * untrusted input: an unreadable image, an image over {@link #MAX_SIDE} pixels a side, or sizes
 * that differ fail naming the file.
 *
 * <pre>{@code
 * Dataset pets = ImageFolder.read(Path.of("pets"), 64, 64);
 * }</pre>
 */
public final class ImageFolder {
  private ImageFolder() {}

  /** The largest width or height an image may declare. */
  public static final int MAX_SIDE = 8192;

  private static final List<String> EXTENSIONS = List.of("png", "jpg", "jpeg", "gif", "bmp");

  /** The images as they are; they must all have one size. */
  public static Dataset read(Path root) {
    return read(root, -1, -1);
  }

  /** The images resized (bilinear) to {@code height x width}. */
  public static Dataset read(Path root, int height, int width) {
    if (!Files.isDirectory(root)) {
      throw new IllegalArgumentException("ImageFolder: " + root + " is not a folder");
    }
    List<Path> classes;
    try (Stream<Path> s = Files.list(root)) {
      classes = s.filter(Files::isDirectory).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("ImageFolder: cannot list " + root, e);
    }
    if (classes.isEmpty()) {
      throw new IllegalArgumentException(
          "ImageFolder: "
              + root
              + " has no subfolders; put each class's images in a folder of its own");
    }
    List<BufferedImage> images = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (int c = 0; c < classes.size(); c++) {
      List<Path> members;
      try (Stream<Path> s = Files.list(classes.get(c))) {
        members = s.filter(ImageFolder::isImage).sorted().toList();
      } catch (IOException e) {
        throw new UncheckedIOException("ImageFolder: cannot list " + classes.get(c), e);
      }
      for (Path f : members) {
        BufferedImage img = decode(f);
        images.add(height > 0 ? resize(img, height, width) : img);
        files.add(f);
        labels.add(c);
      }
    }
    if (images.isEmpty()) {
      throw new IllegalArgumentException(
          "ImageFolder: no " + EXTENSIONS + " files in the subfolders of " + root);
    }
    int h = images.get(0).getHeight();
    int w = images.get(0).getWidth();
    boolean grey = true;
    for (int i = 0; i < images.size(); i++) {
      BufferedImage img = images.get(i);
      if (img.getHeight() != h || img.getWidth() != w) {
        throw new IllegalArgumentException(
            String.format(
                "ImageFolder: %s is %dx%d but %s is %dx%d; pass a size to resize them:"
                    + " ImageFolder.read(root, height, width)",
                files.get(i), img.getWidth(), img.getHeight(), files.get(0), w, h));
      }
      grey &= isGrey(img);
    }
    int ch = grey ? 1 : 3;
    int n = images.size();
    float[] x = new float[n * ch * h * w];
    for (int i = 0; i < n; i++) {
      BufferedImage img = images.get(i);
      for (int r = 0; r < h; r++) {
        for (int q = 0; q < w; q++) {
          int rgb = img.getRGB(q, r);
          int base = i * ch * h * w + r * w + q;
          if (grey) {
            x[base] = (rgb & 0xFF) / 255f;
          } else {
            x[base] = ((rgb >> 16) & 0xFF) / 255f;
            x[base + h * w] = ((rgb >> 8) & 0xFF) / 255f;
            x[base + 2 * h * w] = (rgb & 0xFF) / 255f;
          }
        }
      }
    }
    int[] y = labels.stream().mapToInt(Integer::intValue).toArray();
    List<String> names = classes.stream().map(p -> p.getFileName().toString()).toList();
    return new Dataset(Tensor.of(x, n, ch, h, w), Tensor.ofInts(y), List.of(), names);
  }

  private static boolean isImage(Path p) {
    String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
    int dot = name.lastIndexOf('.');
    return Files.isRegularFile(p) && dot > 0 && EXTENSIONS.contains(name.substring(dot + 1));
  }

  private static BufferedImage decode(Path f) {
    try (ImageInputStream in = ImageIO.createImageInputStream(f.toFile())) {
      var readers = in == null ? null : ImageIO.getImageReaders(in);
      if (readers == null || !readers.hasNext()) {
        throw new IllegalArgumentException(
            "ImageFolder: " + f + " is not an image javax.imageio can read");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        int w = reader.getWidth(0);
        int h = reader.getHeight(0);
        if (w > MAX_SIDE || h > MAX_SIDE) {
          throw new IllegalArgumentException(
              "ImageFolder: "
                  + f
                  + " declares "
                  + w
                  + "x"
                  + h
                  + " pixels, over "
                  + MAX_SIDE
                  + " a side");
        }
        return reader.read(0);
      } finally {
        reader.dispose();
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "ImageFolder: cannot read " + f + ": " + e.getMessage(), e);
    }
  }

  private static boolean isGrey(BufferedImage img) {
    if (img.getType() == BufferedImage.TYPE_BYTE_GRAY
        || img.getType() == BufferedImage.TYPE_USHORT_GRAY) {
      return true;
    }
    for (int r = 0; r < img.getHeight(); r++) {
      for (int q = 0; q < img.getWidth(); q++) {
        int rgb = img.getRGB(q, r);
        int red = (rgb >> 16) & 0xFF;
        if (red != ((rgb >> 8) & 0xFF) || red != (rgb & 0xFF)) {
          return false;
        }
      }
    }
    return true;
  }

  private static BufferedImage resize(BufferedImage img, int height, int width) {
    if (height < 1 || width < 1) {
      throw new IllegalArgumentException(
          "ImageFolder: the size must be positive, got " + height + "x" + width);
    }
    if (img.getHeight() == height && img.getWidth() == width) {
      return img;
    }
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    var g = out.createGraphics();
    try {
      g.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(img, 0, 0, width, height, null);
    } finally {
      g.dispose();
    }
    return out;
  }
}
