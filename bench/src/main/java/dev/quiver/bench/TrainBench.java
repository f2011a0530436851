package dev.quiver.bench;

import dev.quiver.dsl.Sequential;
import dev.quiver.dsl.data.Dataset;
import dev.quiver.dsl.data.Datasets;
import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.metrics.Metric;
import dev.quiver.dsl.optim.Adam;
import dev.quiver.dsl.train.Fit;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Whole training steps through {@code model.fit}, as a notebook runs them: batch cut, forward,
 * loss, backward, optimizer update, per-step memory scope, epoch bookkeeping. Small models are
 * where per-op overhead decides, which is what {@code iris-train} measures.
 *
 * <ul>
 *   <li>{@code iris-train}: 4-10-8-3 (relu, relu, softmax), batch 16, Adam 0.01, on the 120
 *       training rows of the seeded 80/20 split; {@code us_per_step}, and {@code test_accuracy}
 *       after a separate 100-epoch run from seed 42.
 *   <li>{@code mlp-train}: 784-256-128-10 (relu), batch N (default 128), Adam 0.001, on synthetic
 *       data (Gaussian inputs, random labels); {@code ms_per_step}.
 * </ul>
 *
 * Timing: one call is one epoch of {@code fit}; the median over repeats, after warming up until the
 * JIT has settled (steady state, as after the first seconds of a notebook's training).
 */
final class TrainBench {
  private TrainBench() {}

  /**
   * Both benchmarks train on {@code --device}: the model moves there, the data stays on the host.
   */
  static List<Row> iris(Options o) throws Exception {
    int batch = (int) o.size();
    var iris = Datasets.iris().split(0.8, 42).standardize();
    var fit =
        Fit.epochs(1)
            .batch(batch)
            .optimizer(Adam.lr(0.01))
            .loss(Loss.crossEntropy())
            .metrics(Metric.accuracy())
            .quiet();
    var model = model4x10x8x3(42).to(o.device());
    int steps = iris.train().batchCount(batch);
    // The figure a notebook user sees first: a fresh model's 100 epochs in a fresh JVM, JIT still
    // warming.
    var cold = model4x10x8x3(42).to(o.device());
    long c0 = System.nanoTime();
    cold.fit(
        iris.train(),
        Fit.epochs(100)
            .batch(batch)
            .optimizer(Adam.lr(0.01))
            .loss(Loss.crossEntropy())
            .metrics(Metric.accuracy())
            .quiet());
    double coldSeconds = (System.nanoTime() - c0) / 1e9;
    // Steady state: C2 keeps compiling the training path for several seconds on two cores.
    double perEpoch =
        Timing.settledSecondsPerCall(
            () -> model.fit(iris.train(), fit), 50, o.repeats() > 0 ? o.repeats() : 9, 10.0, 40.0);
    double cpuPerEpoch = Timing.lastCpuSeconds;
    double warmup = Timing.lastWarmupSeconds;
    double core = Timing.lastCoreMicros;
    double median = Timing.lastMedianSeconds;
    var rounds = Timing.rounds(Timing.lastSamples, 1e6 / steps);
    var cpuRounds = Timing.rounds(Timing.lastCpus, 1e6 / steps);
    var cores = Timing.rounds(Timing.lastCores, 1);
    var fresh = model4x10x8x3(42).to(o.device());
    fresh.fit(
        iris.train(),
        Fit.epochs(100)
            .batch(batch)
            .optimizer(Adam.lr(0.01))
            .loss(Loss.crossEntropy())
            .metrics(Metric.accuracy())
            .quiet());
    double acc = fresh.evaluate(iris.test()).accuracy();
    List<Row> rows = new ArrayList<>();
    rows.add(
        row("iris-train", o)
            .put("batch", batch)
            .put("us_per_step", perEpoch / steps * 1e6)
            .put("us_per_step_median", median / steps * 1e6)
            .put("cpu_us_per_step", cpuPerEpoch / steps * 1e6)
            .put("warmup_s", warmup)
            .put("core_us", core)
            .put("test_accuracy", acc)
            .put("first_fit_100_epochs_ms", coldSeconds * 1e3)
            .put("us_per_step_rounds", rounds)
            .put("cpu_us_per_step_rounds", cpuRounds)
            .put("core_us_rounds", cores));
    return rows;
  }

  static List<Row> mlp(Options o) throws Exception {
    int batch = (int) o.size();
    int rows = batch * 10;
    var data =
        Dataset.of(Tensor.randn(new long[] {rows, 784}, 1), Datasets.randomLabels(rows, 1, 2).y());
    var labels = Tensor.ofInts(randomClasses(rows, 10));
    data = Dataset.of(data.x(), labels);
    // The data stays in host memory and each batch moves to the model's device, as a data loader's
    // would.
    var model =
        Sequential.of(Dense.of(256).relu(), Dense.of(128).relu(), Dense.of(10))
            .input(784)
            .seed(1)
            .to(o.device());
    var fit =
        Fit.epochs(1).batch(batch).optimizer(Adam.lr(0.001)).loss(Loss.crossEntropy()).quiet();
    Dataset d = data;
    double perEpoch =
        Timing.settledSecondsPerCall(
            () -> model.fit(d, fit), 4, o.repeats() > 0 ? o.repeats() : 7, 5.0, 30.0);
    double cpuPerEpoch = Timing.lastCpuSeconds;
    List<Row> out = new ArrayList<>();
    out.add(
        row("mlp-train", o)
            .put("batch", batch)
            .put("ms_per_step", perEpoch / 10 * 1e3)
            .put("ms_per_step_median", Timing.lastMedianSeconds / 10 * 1e3)
            .put("cpu_ms_per_step", cpuPerEpoch / 10 * 1e3)
            .put("warmup_s", Timing.lastWarmupSeconds)
            .put("core_us", Timing.lastCoreMicros)
            .put("ms_per_step_rounds", Timing.rounds(Timing.lastSamples, 1e3 / 10))
            .put("cpu_ms_per_step_rounds", Timing.rounds(Timing.lastCpus, 1e3 / 10))
            .put("core_us_rounds", Timing.rounds(Timing.lastCores, 1)));
    return out;
  }

  static void addPeer(List<Row> rows, String peer, Map<String, Object> p) {
    for (Row r : rows) {
      String key = r.get("us_per_step") != null ? "us_per_step" : "ms_per_step";
      double theirs = (Double) p.get(key);
      // Time per step: lower is better, so ratio < 1 means Quiver is faster.
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

  /**
   * A result row; it names the device only when that is not the CPU, so CPU output is as before.
   */
  private static Row row(String bench, Options o) {
    Row r = new Row().put("bench", bench);
    return o.device().equals(Device.CPU) ? r : r.put("device", o.device().toString());
  }

  private static Sequential model4x10x8x3(long seed) {
    return Sequential.of(Dense.of(10).relu(), Dense.of(8).relu(), Dense.of(3).softmax())
        .input(4)
        .seed(seed);
  }

  private static int[] randomClasses(int n, int classes) {
    var r = new java.util.SplittableRandom(3);
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(classes);
    }
    return y;
  }
}
