package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.dsl.data.Batch;
import dev.quiver.dsl.data.Dataset;
import dev.quiver.dsl.data.Datasets;
import dev.quiver.dsl.data.Idx;
import dev.quiver.dsl.data.Loader;
import dev.quiver.dsl.data.Transform;
import dev.quiver.dsl.data.Transforms;
import dev.quiver.dsl.layers.Conv2d;
import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.layers.Flatten;
import dev.quiver.dsl.layers.MaxPool2d;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.metrics.Metric;
import dev.quiver.dsl.optim.Adam;
import dev.quiver.dsl.train.Fit;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDataTest {
  @TempDir Path dir;

  private static Tensor pixels(int n, int h, int w) {
    int[] v = new int[n * h * w];
    for (int i = 0; i < v.length; i++) {
      v[i] = (i * 37) % 256;
    }
    return Tensor.ofInts(v, n, h, w);
  }

  @Test
  void idxFilesRoundTripPlainAndGzipped() {
    for (String name : List.of("images-idx3-ubyte", "images-idx3-ubyte.gz")) {
      Path file = dir.resolve(name);
      Tensor raw = pixels(3, 4, 5);
      Idx.write(file, raw);
      Tensor images = Idx.readImages(file);
      assertArrayEquals(new long[] {3, 1, 4, 5}, images.shape());
      assertEquals(raw.get(2, 3, 4) / 255.0, images.get(2, 0, 3, 4), 1e-6);
      assertArrayEquals(raw.toIntArray(), Idx.read(file).toIntArray());
    }
    Path labels = dir.resolve("labels.gz");
    Idx.write(labels, Tensor.ofInts(2, 0, 1));
    var data = Idx.dataset(dir.resolve("images-idx3-ubyte.gz"), labels, List.of("a", "b", "c"));
    assertEquals(3, data.size());
    assertEquals(List.of("a", "b", "c"), data.classNames());
  }

  @Test
  void badIdxFilesFailNamingTheFileAndTheValues() throws IOException {
    Path notIdx = dir.resolve("not-idx");
    Files.write(notIdx, new byte[] {0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1});
    var e = assertThrows(IllegalArgumentException.class, () -> Idx.read(notIdx));
    assertTrue(
        e.getMessage().contains("0x12345678") && e.getMessage().contains("not-idx"), e::getMessage);

    Path images = dir.resolve("images");
    Idx.write(images, pixels(4, 6, 6));
    byte[] all = Files.readAllBytes(images);
    Path cut = dir.resolve("cut");
    Files.write(cut, java.util.Arrays.copyOf(all, all.length - 10));
    e = assertThrows(IllegalArgumentException.class, () -> Idx.readImages(cut));
    assertTrue(
        e.getMessage().contains("truncated") && e.getMessage().contains("[4, 6, 6]"),
        e::getMessage);

    Path labels = dir.resolve("labels");
    Idx.write(labels, Tensor.ofInts(1, 2, 3));
    e = assertThrows(IllegalArgumentException.class, () -> Idx.dataset(images, labels, List.of()));
    assertTrue(
        e.getMessage().contains("4 images") && e.getMessage().contains("3 labels"), e::getMessage);
    e = assertThrows(IllegalArgumentException.class, () -> Idx.readImages(labels));
    assertTrue(e.getMessage().contains("[3]"), e::getMessage);
  }

  @Test
  void theDigitsAreSklearnsEightByEightImages() {
    Dataset d = Datasets.digits();
    assertArrayEquals(new long[] {1797, 1, 8, 8}, d.x().shape());
    int[] counts = new int[10];
    for (int v : d.y().toIntArray()) {
      counts[v]++;
    }
    assertArrayEquals(new int[] {178, 182, 177, 183, 181, 182, 181, 179, 174, 180}, counts);
    assertEquals(1.0, d.x().max().item(), 0);
    assertEquals(0.0, d.x().min().item(), 0);
    assertEquals(10, d.numClasses());
  }

  @Test
  void fashionMnistFromDebiansPackage() {
    boolean present =
        Files.exists(Datasets.FASHION_MNIST_DEBIAN.resolve("train-images-idx3-ubyte.gz"));
    if (!"true".equals(System.getenv("CI"))) {
      Assumptions.assumeTrue(
          present,
          "dataset-fashion-mnist is not installed (sudo apt-get install dataset-fashion-mnist)");
    }
    var f = Datasets.fashionMnist();
    assertArrayEquals(new long[] {60000, 1, 28, 28}, f.train().x().shape());
    assertArrayEquals(new long[] {10000, 1, 28, 28}, f.test().x().shape());
    int[] counts = new int[10];
    for (int v : f.test().y().toIntArray()) {
      counts[v]++;
    }
    for (int c : counts) {
      assertEquals(1000, c);
    }
    assertEquals("Ankle boot", f.train().classNames().get(9));
  }

  private static float[] image(int c, int h, int w) {
    float[] v = new float[c * h * w];
    for (int i = 0; i < v.length; i++) {
      v[i] = i + 1;
    }
    return v;
  }

  @Test
  void transformsDoWhatTheySay() {
    var r = new SplittableRandom(1);
    float[] flipped = Transforms.randomHorizontalFlip(1).apply(image(1, 2, 3), 1, 1, 2, 3, r);
    assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4}, flipped);
    float[] normalized =
        Transforms.normalize(new double[] {1, 3}, new double[] {2, 4})
            .apply(image(2, 1, 2), 1, 2, 1, 2, r);
    assertArrayEquals(new float[] {0, 0.5f, 0, 0.25f}, normalized, 1e-6f);
    // A crop the image's size with padding is the image shifted by at most the padding.
    Transform crop = Transforms.randomCrop(4, 1);
    assertArrayEquals(new int[] {1, 4, 4}, crop.outputShape(1, 4, 4));
    var seenShifts = new java.util.HashSet<Float>();
    for (int i = 0; i < 50; i++) {
      float[] out = crop.apply(image(1, 4, 4), 1, 1, 4, 4, r);
      float centre = out[5]; // row 1, column 1: the pixel that came from (1 + dy, 1 + dx)
      seenShifts.add(centre);
      assertTrue(Set.of(1f, 2f, 3f, 5f, 6f, 7f, 9f, 10f, 11f).contains(centre), "" + centre);
    }
    assertEquals(9, seenShifts.size());
    float[] same = Transforms.randomAffine(0, 0).apply(image(1, 3, 3), 1, 1, 3, 3, r);
    assertArrayEquals(image(1, 3, 3), same, 1e-5f);
    float[] turned = Transforms.randomAffine(30, 0.1).apply(image(1, 8, 8), 1, 1, 8, 8, r);
    assertNotEquals(java.util.Arrays.toString(image(1, 8, 8)), java.util.Arrays.toString(turned));
  }

  @Test
  void theLoaderPrefetchesOnItsOwnThreadAndKeepsTheOrder() {
    // Host data: the loader prefetches what lives in host memory (under the simulated device suite
    // the data sets are made on that device).
    Dataset all = Datasets.digits().slice(0, 100);
    Dataset d = Dataset.of(all.x().to(Device.CPU), all.y().to(Device.CPU));
    List<Batch> plain = new ArrayList<>();
    d.batches(16, 5L).forEach(plain::add);
    var threads = ConcurrentHashMap.<String>newKeySet();
    Transform spy =
        (x, n, c, h, w, random) -> {
          threads.add(Thread.currentThread().getName());
          return x;
        };
    var loader = Loader.of(d, 16).transform(spy);
    try (var epoch = loader.epoch(5L, 0)) {
      int i = 0;
      while (epoch.hasNext()) {
        Batch b = epoch.next();
        assertArrayEquals(plain.get(i).x().toFloatArray(), b.x().toFloatArray());
        assertArrayEquals(plain.get(i).y().toIntArray(), b.y().toIntArray());
        i++;
      }
      assertEquals(7, i);
    }
    assertEquals(Set.of("quiver-loader"), threads);
    // Seeded transforms draw the same numbers every run, and new ones every epoch.
    var flips = Loader.of(d, 100).shuffle(3).transform(Transforms.randomHorizontalFlip(0.5));
    var again = Loader.of(d, 100).shuffle(3).transform(Transforms.randomHorizontalFlip(0.5));
    float[] first = flips.iterator().next().x().toFloatArray();
    assertArrayEquals(first, again.iterator().next().x().toFloatArray());
    assertNotEquals(
        java.util.Arrays.toString(first),
        java.util.Arrays.toString(flips.iterator().next().x().toFloatArray()));
  }

  @Test
  void aSmallCnnLearnsTheDigitsWithAugmentation() {
    Tensor.manualSeed(0);
    var split = Datasets.digits().split(0.8, 1);
    var model =
        Sequential.of(
                Conv2d.of(16, 3).paddingSame().relu(),
                MaxPool2d.of(2),
                Conv2d.of(32, 3).paddingSame().relu(),
                MaxPool2d.of(2),
                Flatten.of(),
                Dense.of(10))
            .seed(4);
    var history =
        model.fit(
            split.train(),
            Fit.epochs(8)
                .batch(32)
                .optimizer(Adam.lr(0.005))
                .loss(Loss.crossEntropy())
                .metrics(Metric.accuracy())
                .augment(Transforms.randomCrop(8, 1))
                .quiet());
    double accuracy = model.evaluate(split.test()).accuracy();
    System.out.printf("digits CNN: test accuracy %.3f, %s%n", accuracy, history);
    assertTrue(accuracy >= 0.93, "test accuracy " + accuracy);
  }

  @Test
  void imagesShowAsGridsWithCaptionsFiltersAndFeatureMaps() {
    Dataset d = Datasets.digits().slice(0, 4);
    var plain = dev.quiver.dsl.plot.Images.of(d.x()).toMimeBundle();
    assertTrue(plain.has(dev.quiver.display.MimeBundle.IMAGE_PNG));
    var captioned =
        dev.quiver.dsl.plot.Images.of(d.x())
            .labels(List.of("0", "1", "2 <> 3", "3"))
            .toMimeBundle();
    String svg = captioned.get(dev.quiver.display.MimeBundle.IMAGE_SVG).orElseThrow();
    assertEquals(4, svg.split("<image ").length - 1);
    assertTrue(svg.contains(">2 &lt;&gt; 3</text>"), svg);
    var filters =
        dev.quiver.dsl.plot.Images.filters(Tensor.randn(new long[] {6, 2, 3, 3}, 1)).png();
    assertEquals(2 * 3 * 8 + 2, filters.width());
    var maps =
        dev.quiver.dsl.plot.Images.featureMaps(Tensor.randn(new long[] {1, 5, 6, 6}, 2)).png();
    assertEquals(5 * 6 * 6 + 4 * 2, maps.width());
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> dev.quiver.dsl.plot.Images.of(d.x()).labels(List.of("a")));
    assertTrue(e.getMessage().contains("1 labels for 4 images"), e::getMessage);
  }
}
