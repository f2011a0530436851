package dev.quiver.spark;

import dev.quiver.dsl.Model;
import dev.quiver.dsl.Sequential;
import dev.quiver.dsl.data.Dataset;
import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.optim.Adam;
import dev.quiver.dsl.train.Fit;
import dev.quiver.runtime.Tensor;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The figures of docs/distributed.md, behind {@code ./quiver bench spark}: one JSON object per
 * line.
 *
 * <ul>
 *   <li>{@code scaling N}: synchronous training of the MLP of {@code bench mlp-train}
 *       (784-256-128-10, Adam, global batch 128) on {@code local[N]} with N partitions, steps per
 *       second split into compute and synchronization; and the same model trained by {@code
 *       model.fit} in this JVM for reference. Run one N per JVM.
 *   <li>{@code sync}: the synchronization time per step on {@code local[2]} for models of 1e4 to
 *       1e7 parameters (100-h-10, one row per partition, so compute is small).
 * </ul>
 */
public final class SparkBench {
  private SparkBench() {}

  public static void main(String[] args) {
    boolean barrier = args.length > 0 && args[args.length - 1].equals("barrier");
    int n = barrier ? args.length - 1 : args.length;
    if (n == 2 && args[0].equals("scaling")) {
      scaling(Integer.parseInt(args[1]), barrier);
    } else if (n == 1 && args[0].equals("sync")) {
      sync(barrier);
    } else {
      System.err.println("usage: ./quiver bench spark scaling N [barrier] | sync [barrier]");
      System.exit(2);
    }
    System.exit(0);
  }

  static Dataset random(int rows, int features, int classes, long seed) {
    var r = new SplittableRandom(seed);
    int[] y = new int[rows];
    for (int i = 0; i < rows; i++) {
      y[i] = r.nextInt(classes);
    }
    return Dataset.of(Tensor.randn(new long[] {rows, features}, seed), Tensor.ofInts(y));
  }

  static DataParallel mode(org.apache.spark.sql.SparkSession spark, boolean barrier) {
    return barrier ? DataParallel.barrier(spark) : DataParallel.sync(spark);
  }

  static void scaling(int threads, boolean barrier) {
    var spark = Spark.local(threads);
    int batch = 128;
    var local = random(batch * 10, 784, 10, 1);
    var data = SparkData.of(spark, local, threads);
    Fit fit = fit(2, batch);
    Model model = mlp();
    var dp = mode(spark, barrier);
    dp.fit(model, data, fit); // warm-up: JIT, the cached shards
    dp.fit(model, data, fit(3, batch));
    StepTiming t = dp.timing();
    Model single = mlp();
    single.fit(local, fit);
    long t0 = System.nanoTime();
    single.fit(local, fit(3, batch));
    double singleSteps = 30 / ((System.nanoTime() - t0) / 1e9);
    System.out.println(
        String.format(
            Locale.ROOT,
            "{\"bench\":\"spark-scaling\",\"mode\":\"%s\",\"master\":\"local[%d]\",\"partitions\":%d,\"batch\":%d,"
                + "\"steps_per_s\":%.2f,\"step_ms\":%.2f,\"compute_ms\":%.2f,\"sync_ms\":%.2f,"
                + "\"single_process_steps_per_s\":%.2f}",
            barrier ? "barrier" : "tree",
            threads,
            threads,
            batch,
            t.stepsPerSecond(),
            t.stepMillis(),
            t.computeMillis(),
            t.syncMillis(),
            singleSteps));
    spark.stop();
  }

  static Fit fit(int epochs, int batch) {
    return Fit.epochs(epochs)
        .batch(batch)
        .optimizer(Adam.lr(0.001))
        .loss(Loss.crossEntropy())
        .quiet();
  }

  static Model mlp() {
    return Sequential.of(Dense.of(256).relu(), Dense.of(128).relu(), Dense.of(10))
        .input(784)
        .seed(1);
  }

  static void sync(boolean barrier) {
    var spark = Spark.local(2);
    for (long params : new long[] {10_000, 100_000, 1_000_000, 10_000_000}) {
      int hidden = (int) Math.round((params - 10) / 111.0); // 100·h + h + 10·h + 10
      Model model = Sequential.of(Dense.of(hidden).relu(), Dense.of(10)).input(100).seed(1);
      var data = SparkData.of(spark, random(2 * 8, 100, 10, 2), 2);
      Fit fit = fit(1, 2);
      var dp = mode(spark, barrier);
      dp.fit(model, data, fit); // warm-up
      dp.fit(model, data, fit(2, 2));
      StepTiming t = dp.timing();
      System.out.println(
          String.format(
              Locale.ROOT,
              "{\"bench\":\"spark-sync\",\"mode\":\"%s\",\"master\":\"local[2]\",\"parameters\":%d,"
                  + "\"step_ms\":%.2f,\"compute_ms\":%.2f,\"sync_ms\":%.2f}",
              barrier ? "barrier" : "tree",
              model.countParams(),
              t.stepMillis(),
              t.computeMillis(),
              t.syncMillis()));
      data.unpersist();
    }
    spark.stop();
  }
}
