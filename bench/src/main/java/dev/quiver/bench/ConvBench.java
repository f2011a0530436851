package dev.quiver.bench;

import dev.quiver.dsl.Sequential;
import dev.quiver.dsl.data.Dataset;
import dev.quiver.dsl.data.Datasets;
import dev.quiver.dsl.data.Split;
import dev.quiver.dsl.layers.BatchNorm2d;
import dev.quiver.dsl.layers.Conv2d;
import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.layers.Flatten;
import dev.quiver.dsl.layers.MaxPool2d;
import dev.quiver.dsl.layers.ReLU;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.optim.Adam;
import dev.quiver.dsl.train.Fit;
import dev.quiver.runtime.ConvOptions;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.memory.MemoryScope;
import java.util.List;
import java.util.Map;

/**
 * Convolutional networks:
 *
 * <ul>
 *   <li>{@code conv2d}: forward and backward (input and weight gradients) of a 3x3 convolution,
 *       batch N (default 32), 64 to 64 channels, 56x56, padding 1; {@code gflops} counts the three
 *       products, 3 · 2·N·64·64·9·56·56 FLOPs per call.
 *   <li>{@code lenet-train}: one training step of a LeNet-5-like network on 28x28 images (conv
 *       6@5x5 pad 2, max pool, conv 16@5x5, max pool, 120, 84, 10; ReLU), batch N (default 64),
 *       Adam; {@code ms_per_step}.
 *   <li>{@code fashion-cnn}: notebook 13's CNN (conv 16, BN, pool, ReLU, conv 32, BN, pool, ReLU,
 *       64, 10), batch 64, Adam 0.002, one epoch on the first N (default 60 000) Fashion-MNIST
 *       training images in a fresh JVM (its warm-up included, as a notebook's first fit has it):
 *       {@code s_per_epoch}, {@code cpu_s_per_epoch} (the process's CPU time), and {@code
 *       test_accuracy} on the 10 000 test images after that epoch.
 * </ul>
 */
final class ConvBench {
  private ConvBench() {}

  static List<Row> conv2d(Options o) throws Exception {
    int n = (int) o.size();
    Device d = o.device();
    Tensor x = Tensor.randn(new long[] {n, 64, 56, 56}, 1).to(d).requiresGrad();
    Tensor w = Tensor.randn(new long[] {64, 64, 3, 3}, 2).mul(0.05).to(d).requiresGrad();
    ConvOptions same = ConvOptions.defaults().padding(1);
    Timing.Body step =
        () -> {
          try (var scope = MemoryScope.open()) {
            Tensor y = x.conv2d(w, null, same);
            y.backward(Tensor.onesLike(y));
            x.grad().get(0, 0, 0, 0);
          }
        };
    double seconds =
        Timing.settledSecondsPerCall(step, 1, o.repeats() > 0 ? o.repeats() : 5, 3.0, 20.0);
    double flops = 3 * 2.0 * n * 64 * 64 * 9 * 56 * 56;
    return List.of(
        row("conv2d", o)
            .put("batch", n)
            .put("gflops", flops / seconds / 1e9)
            .put("gflops_median", flops / Timing.lastMedianSeconds / 1e9)
            .put("ms_per_call", seconds * 1e3)
            .put("cpu_gflops", flops / Timing.lastCpuSeconds / 1e9)
            .put("warmup_s", Timing.lastWarmupSeconds)
            .put("core_us", Timing.lastCoreMicros)
            .put("gflops_rounds", Timing.rounds(gflopsOf(Timing.lastSamples, flops), 1))
            .put("cpu_gflops_rounds", Timing.rounds(gflopsOf(Timing.lastCpus, flops), 1))
            .put("core_us_rounds", Timing.rounds(Timing.lastCores, 1)));
  }

  /** GFLOP/s of each round from its seconds per call. */
  private static double[] gflopsOf(double[] seconds, double flops) {
    double[] out = new double[seconds.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = flops / seconds[i] / 1e9;
    }
    return out;
  }

  static Sequential lenet() {
    return Sequential.of(
            Conv2d.of(6, 5).padding(2).relu(),
            MaxPool2d.of(2),
            Conv2d.of(16, 5).relu(),
            MaxPool2d.of(2),
            Flatten.of(),
            Dense.of(120).relu(),
            Dense.of(84).relu(),
            Dense.of(10))
        .input(1, 28, 28)
        .seed(1);
  }

  static List<Row> lenet(Options o) throws Exception {
    int batch = (int) o.size();
    int rows = batch * 10;
    var data =
        Dataset.of(Tensor.rand(new long[] {rows, 1, 28, 28}, 1), Tensor.ofInts(classes(rows, 10)));
    var model = lenet().to(o.device());
    var fit =
        Fit.epochs(1).batch(batch).optimizer(Adam.lr(0.001)).loss(Loss.crossEntropy()).quiet();
    double perEpoch =
        Timing.settledSecondsPerCall(
            () -> model.fit(data, fit), 2, o.repeats() > 0 ? o.repeats() : 7, 5.0, 40.0);
    return List.of(
        row("lenet-train", o)
            .put("batch", batch)
            .put("ms_per_step", perEpoch / 10 * 1e3)
            .put("ms_per_step_median", Timing.lastMedianSeconds / 10 * 1e3)
            .put("cpu_ms_per_step", Timing.lastCpuSeconds / 10 * 1e3)
            .put("warmup_s", Timing.lastWarmupSeconds)
            .put("core_us", Timing.lastCoreMicros)
            .put("ms_per_step_rounds", Timing.rounds(Timing.lastSamples, 1e3 / 10))
            .put("cpu_ms_per_step_rounds", Timing.rounds(Timing.lastCpus, 1e3 / 10))
            .put("core_us_rounds", Timing.rounds(Timing.lastCores, 1)));
  }

  static Sequential fashionCnn() {
    return Sequential.of(
            Conv2d.of(16, 3).paddingSame().noBias(),
            BatchNorm2d.of(),
            MaxPool2d.of(2),
            new ReLU(),
            Conv2d.of(32, 3).paddingSame().noBias(),
            BatchNorm2d.of(),
            MaxPool2d.of(2),
            new ReLU(),
            Flatten.of(),
            Dense.of(64).relu(),
            Dense.of(10))
        .input(1, 28, 28)
        .seed(1);
  }

  static List<Row> fashion(Options o) {
    Split f = Datasets.fashionMnist();
    int n = (int) Math.min(o.size(), f.train().size());
    Dataset train = f.train().slice(0, n);
    var model = fashionCnn().to(o.device());
    Tensor.manualSeed(0);
    long t0 = System.nanoTime();
    long c0 = Timing.processCpuNanos();
    model.fit(
        train, Fit.epochs(1).batch(64).optimizer(Adam.lr(0.002)).loss(Loss.crossEntropy()).quiet());
    double seconds = (System.nanoTime() - t0) / 1e9;
    double cpuSeconds = (Timing.processCpuNanos() - c0) / 1e9;
    double accuracy = model.evaluate(f.test()).accuracy();
    return List.of(
        row("fashion-cnn", o)
            .put("train_images", n)
            .put("s_per_epoch", seconds)
            .put("cpu_s_per_epoch", cpuSeconds)
            .put("test_accuracy", accuracy));
  }

  static void addPeer(List<Row> rows, String peer, Map<String, Object> p) {
    for (Row r : rows) {
      if (r.get("gflops") != null) {
        double theirs = (Double) p.get("gflops");
        // Throughput: higher is better, so ratio > 1 means Quiver is faster.
        r.put(peer + "_gflops", theirs)
            .put("ratio", (Double) r.get("gflops") / theirs)
            .put(peer + "_gflops_median", p.get("gflops_median"))
            .put(peer + "_gflops_rounds", p.get("gflops_rounds"));
      } else {
        String key = r.get("ms_per_step") != null ? "ms_per_step" : "s_per_epoch";
        double theirs = (Double) p.get(key);
        // Time: lower is better, so ratio < 1 means Quiver is faster.
        r.put(peer + "_" + key, theirs)
            .put("ratio", (Double) r.get(key) / theirs)
            .put(peer + "_" + key + "_median", p.get(key + "_median"))
            .put(peer + "_" + key + "_rounds", p.get(key + "_rounds"))
            .put(peer + "_cpu_" + key + "_rounds", p.get("cpu_" + key + "_rounds"));
        if (p.get("test_accuracy") instanceof Double a) {
          r.put(peer + "_test_accuracy", a);
        }
      }
    }
  }

  private static Row row(String bench, Options o) {
    Row r = new Row().put("bench", bench);
    return o.device().equals(Device.CPU) ? r : r.put("device", o.device().toString());
  }

  private static int[] classes(int n, int k) {
    var r = new java.util.SplittableRandom(3);
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(k);
    }
    return y;
  }
}
