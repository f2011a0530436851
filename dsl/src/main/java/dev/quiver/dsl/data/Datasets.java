package dev.quiver.dsl.data;

import dev.quiver.runtime.Tensor;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The data sets of the tutorials: Iris and the 8x8 digits shipped as resources, Fashion-MNIST from
 * Debian's package, and seeded generators. Every generator is deterministic in its seed. Class
 * labels are int32, regression targets float32.
 */
public final class Datasets {
  private Datasets() {}

  /**
   * Fisher's Iris: 150 flowers, 4 measurements in cm, 3 species (setosa, versicolor, virginica, 50
   * each). From the UCI Machine Learning Repository, CC BY 4.0; see the README beside the resource.
   */
  public static Dataset iris() {
    var in = Datasets.class.getResourceAsStream("iris.csv");
    if (in == null) {
      throw new IllegalStateException(
          "Datasets.iris: the resource dev/quiver/dsl/data/iris.csv is missing from the jar");
    }
    try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
      return Csv.read(r, "iris.csv", "species");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The ten classes of Fashion-MNIST, in label order. */
  public static final List<String> FASHION_MNIST_CLASSES =
      List.of(
          "T-shirt/top",
          "Trouser",
          "Pullover",
          "Dress",
          "Coat",
          "Sandal",
          "Shirt",
          "Sneaker",
          "Bag",
          "Ankle boot");

  /** Where Debian's {@code dataset-fashion-mnist} package puts its files. */
  public static final Path FASHION_MNIST_DEBIAN = Path.of("/usr/share/datasets/fashion-mnist");

  /**
   * Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017; Zalando, MIT licence): 70 000 grey 28x28 images
   * of clothing in 10 classes ({@link #FASHION_MNIST_CLASSES}), as x float32 {@code [n, 1, 28, 28]}
   * in [0, 1] and y int32: 60 000 for training, 10 000 for testing. Read from the folder named by
   * the environment variable {@code QUIVER_DATA} (its {@code fashion-mnist/} subfolder or itself),
   * else from Debian's package ({@code sudo apt-get install dataset-fashion-mnist}, files under
   * {@code /usr/share/datasets/fashion-mnist/}); {@code ./quiver notebook} installs it.
   */
  public static Split fashionMnist() {
    Path dir = fashionMnistFolder();
    return new Split(
        Idx.dataset(
            file(dir, "train-images-idx3-ubyte"),
            file(dir, "train-labels-idx1-ubyte"),
            FASHION_MNIST_CLASSES),
        Idx.dataset(
            file(dir, "t10k-images-idx3-ubyte"),
            file(dir, "t10k-labels-idx1-ubyte"),
            FASHION_MNIST_CLASSES));
  }

  /** The folder {@link #fashionMnist()} reads; fails in one line naming the way to get it. */
  static Path fashionMnistFolder() {
    String env = System.getenv("QUIVER_DATA");
    var tried = new java.util.ArrayList<Path>();
    if (env != null && !env.isBlank()) {
      tried.add(Path.of(env).resolve("fashion-mnist"));
      tried.add(Path.of(env));
    }
    tried.add(FASHION_MNIST_DEBIAN);
    for (Path dir : tried) {
      if (Files.exists(dir.resolve("train-images-idx3-ubyte.gz"))
          || Files.exists(dir.resolve("train-images-idx3-ubyte"))) {
        return dir;
      }
    }
    throw new IllegalStateException(
        "Datasets.fashionMnist: the Fashion-MNIST files are not in "
            + tried
            + "; install them with: sudo apt-get install dataset-fashion-mnist"
            + " (or set QUIVER_DATA to a folder holding train-images-idx3-ubyte.gz and the others)");
  }

  private static Path file(Path dir, String name) {
    Path gz = dir.resolve(name + ".gz");
    return Files.exists(gz) ? gz : dir.resolve(name);
  }

  /**
   * The handwritten digits of scikit-learn's {@code load_digits}: 1 797 grey 8x8 images (the test
   * set of UCI's "Optical Recognition of Handwritten Digits", Alpaydin and Kaynak 1998, CC BY 4.0),
   * x float32 {@code [1797, 1, 8, 8]} scaled from 0..16 to [0, 1], y int32 0-9. Shipped as a
   * resource (57 kB): the fast image data set for notebooks and tests.
   */
  public static Dataset digits() {
    var in = Datasets.class.getResourceAsStream("digits.csv.gz");
    if (in == null) {
      throw new IllegalStateException(
          "Datasets.digits: the resource dev/quiver/dsl/data/digits.csv.gz is missing from the jar");
    }
    try (var r =
        new java.io.BufferedReader(
            new InputStreamReader(new java.util.zip.GZIPInputStream(in), StandardCharsets.UTF_8))) {
      float[] x = new float[1797 * 64];
      int[] y = new int[1797];
      int n = 0;
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        String[] f = line.split(",");
        if (f.length != 65 || n == y.length) {
          throw new IllegalStateException(
              "Datasets.digits: unexpected row " + (n + 1) + " in digits.csv.gz");
        }
        for (int i = 0; i < 64; i++) {
          x[n * 64 + i] = Integer.parseInt(f[i]) / 16f;
        }
        y[n++] = Integer.parseInt(f[64]);
      }
      var names = java.util.stream.IntStream.range(0, 10).mapToObj(String::valueOf).toList();
      return new Dataset(Tensor.of(x, n, 1, 8, 8), Tensor.ofInts(y), List.of(), names);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A real English text for language models: the GNU General Public License, version 3 (35,149
   * characters, 5,644 words, 674 lines), as Debian's base-files package ships it in
   * /usr/share/common-licenses/GPL-3. Its own terms allow verbatim copies; see the README beside
   * the resource. Shipping it does not put Quiver under the GPL: it is data here.
   */
  public static String gplText() {
    var in = Datasets.class.getResourceAsStream("gpl-3.0.txt");
    if (in == null) {
      throw new IllegalStateException(
          "Datasets.gplText: the resource dev/quiver/dsl/data/gpl-3.0.txt is missing from the jar");
    }
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * x ~ U(0, 1), y = slope·x + intercept (+ Gaussian noise); x [n, 1], y [n, 1]. The y = 2x + 1
   * regression of the notebooks is {@code linear(n, 2, 1, noise, seed)}.
   */
  public static Dataset linear(int n, double slope, double intercept, double noise, long seed) {
    var r = new SplittableRandom(seed);
    float[] x = new float[n];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) r.nextDouble();
      y[i] = (float) (slope * x[i] + intercept + noise * r.nextGaussian());
    }
    return Dataset.of(Tensor.of(x, n, 1), Tensor.of(y, n, 1));
  }

  /**
   * XOR as clouds: n points around the four corners of the unit square (Gaussian noise of the given
   * standard deviation); the label is 1 where exactly one coordinate is near 1. Not linearly
   * separable, so a model needs a hidden layer.
   */
  public static Dataset xor(int n, double noise, long seed) {
    var r = new SplittableRandom(seed);
    float[] x = new float[2 * n];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      int a = r.nextInt(2);
      int b = r.nextInt(2);
      x[2 * i] = (float) (a + noise * r.nextGaussian());
      x[2 * i + 1] = (float) (b + noise * r.nextGaussian());
      y[i] = a ^ b;
    }
    return new Dataset(
        Tensor.of(x, n, 2), Tensor.ofInts(y), List.of("x1", "x2"), List.of("0", "1"));
  }

  /** Two interleaving half circles (as scikit-learn's make_moons), with Gaussian noise. */
  public static Dataset moons(int n, double noise, long seed) {
    var r = new SplittableRandom(seed);
    float[] x = new float[2 * n];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      int c = i % 2;
      double t = Math.PI * r.nextDouble();
      double px = c == 0 ? Math.cos(t) : 1 - Math.cos(t);
      double py = c == 0 ? Math.sin(t) : 0.5 - Math.sin(t);
      x[2 * i] = (float) (px + noise * r.nextGaussian());
      x[2 * i + 1] = (float) (py + noise * r.nextGaussian());
      y[i] = c;
    }
    return new Dataset(
        Tensor.of(x, n, 2), Tensor.ofInts(y), List.of("x1", "x2"), List.of("0", "1"));
  }

  /** Two concentric circles, the inner one (class 1) of radius {@code factor} times the outer. */
  public static Dataset circles(int n, double factor, double noise, long seed) {
    var r = new SplittableRandom(seed);
    float[] x = new float[2 * n];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      int c = i % 2;
      double t = 2 * Math.PI * r.nextDouble();
      double rad = c == 0 ? 1 : factor;
      x[2 * i] = (float) (rad * Math.cos(t) + noise * r.nextGaussian());
      x[2 * i + 1] = (float) (rad * Math.sin(t) + noise * r.nextGaussian());
      y[i] = c;
    }
    return new Dataset(
        Tensor.of(x, n, 2), Tensor.ofInts(y), List.of("x1", "x2"), List.of("0", "1"));
  }

  /** {@code classes} interleaved spiral arms (the CS231n toy problem), n points in all. */
  public static Dataset spirals(int n, int classes, double noise, long seed) {
    var r = new SplittableRandom(seed);
    float[] x = new float[2 * n];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      int c = i % classes;
      double t = r.nextDouble();
      double angle = c * 2 * Math.PI / classes + 4 * t + noise * r.nextGaussian();
      x[2 * i] = (float) (t * Math.cos(angle));
      x[2 * i + 1] = (float) (t * Math.sin(angle));
      y[i] = c;
    }
    return Dataset.of(Tensor.of(x, n, 2), Tensor.ofInts(y));
  }

  /**
   * Features ~ N(0, 1) with labels that are coin flips, independent of the features (the
   * random-label case study of notebook 08). Nothing can be learned: test accuracy stays near 0.5
   * whatever the training accuracy.
   */
  public static Dataset randomLabels(int n, int features, long seed) {
    var r = new SplittableRandom(seed);
    float[] x = new float[n * features];
    int[] y = new int[n];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(2);
    }
    return new Dataset(Tensor.of(x, n, features), Tensor.ofInts(y), List.of(), List.of("0", "1"));
  }

  /**
   * The toy sequence task for a tiny transformer: x is n sequences of {@code length} tokens drawn
   * from 0..vocab-1 (int32 [n, length]); y is each sequence reversed (int32 [n, length]).
   */
  public static Dataset reversal(int n, int length, int vocab, long seed) {
    var r = new SplittableRandom(seed);
    int[] x = new int[n * length];
    int[] y = new int[n * length];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < length; j++) {
        x[i * length + j] = r.nextInt(vocab);
      }
      for (int j = 0; j < length; j++) {
        y[i * length + j] = x[i * length + (length - 1 - j)];
      }
    }
    return Dataset.of(Tensor.ofInts(x, n, length), Tensor.ofInts(y, n, length));
  }
}
