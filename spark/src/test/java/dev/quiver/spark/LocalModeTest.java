package dev.quiver.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.dsl.Model;
import dev.quiver.dsl.Sequential;
import dev.quiver.dsl.data.Dataset;
import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.metrics.Metric;
import dev.quiver.dsl.optim.Adam;
import dev.quiver.dsl.optim.SGD;
import dev.quiver.dsl.train.Fit;
import dev.quiver.dsl.train.History;
import dev.quiver.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Distributed training and inference on the embedded session, local[2]: two task slots, so two
 * replicas train at once.
 */
class LocalModeTest {
  static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = Spark.local(2);
  }

  /** Stopped, so that ClusterTest (in the same JVM) gets a session of its own, not this one. */
  @AfterAll
  static void stop() {
    spark.stop();
  }

  static final int FEATURES = 5;
  static final int CLASSES = 3;

  /** Rows of a seeded 3-class problem: features array<float>, label int. */
  static List<Row> rows(int n, long seed) {
    var r = new SplittableRandom(seed);
    var rows = new ArrayList<Row>();
    for (int i = 0; i < n; i++) {
      var f = new float[FEATURES];
      double s = 0;
      for (int j = 0; j < FEATURES; j++) {
        float v = (float) (r.nextDouble() * 2 - 1);
        f[j] = v;
        s += v * (j + 1);
      }
      int label = s < -1 ? 0 : s < 1 ? 1 : 2;
      rows.add(RowFactory.create(f, label));
    }
    return rows;
  }

  static StructType schema() {
    return new StructType()
        .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false)
        .add("label", DataTypes.IntegerType, false);
  }

  static Model model() {
    return Sequential.of(Dense.of(16).relu(), Dense.of(CLASSES)).input(FEATURES).seed(7);
  }

  static Tensor x(List<Row> rows) {
    float[] x = new float[rows.size() * FEATURES];
    for (int i = 0; i < rows.size(); i++) {
      System.arraycopy((float[]) rows.get(i).get(0), 0, x, i * FEATURES, FEATURES);
    }
    return Tensor.of(x, rows.size(), FEATURES);
  }

  static Tensor y(List<Row> rows) {
    int[] y = new int[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      y[i] = rows.get(i).getInt(1);
    }
    return Tensor.ofInts(y);
  }

  static void assertSameWeights(Model a, Model b, double tol) {
    Map<String, float[]> wa = a.weights();
    Map<String, float[]> wb = b.weights();
    assertEquals(wa.keySet(), wb.keySet());
    double worst = 0;
    for (var name : wa.keySet()) {
      float[] x = wa.get(name);
      float[] y = wb.get(name);
      for (int i = 0; i < x.length; i++) {
        worst = Math.max(worst, Math.abs(x[i] - y[i]));
      }
    }
    assertTrue(worst <= tol, "weights differ by up to " + worst);
  }

  /** The rows in {@code parts} partitions, cut into contiguous slices of equal size, in order. */
  static SparkData data(List<Row> rows, int parts) {
    var rdd = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, parts);
    return SparkData.of(spark.createDataFrame(rdd, schema()), "features", "label");
  }

  static Dataset local(List<Row> rows) {
    return Dataset.of(x(rows), y(rows));
  }

  /**
   * Steps k of each of the two halves, one after the other: the global batches of two partitions.
   */
  static List<Row> interleave(List<Row> p0, List<Row> p1, int b) {
    var out = new ArrayList<Row>();
    for (int k = 0; k * b < p0.size(); k++) {
      out.addAll(p0.subList(k * b, (k + 1) * b));
      out.addAll(p1.subList(k * b, (k + 1) * b));
    }
    return out;
  }

  static double largestDifference(Model a, Model b) {
    double worst = 0;
    for (var e : a.weights().entrySet()) {
      float[] y = b.weights().get(e.getKey());
      for (int i = 0; i < y.length; i++) {
        worst = Math.max(worst, Math.abs(e.getValue()[i] - y[i]));
      }
    }
    return worst;
  }

  /**
   * Two partitions of b rows per step give the weights of one process stepping on 2b rows: the rows
   * of step k are partition 0's k-th b rows followed by partition 1's.
   */
  @Test
  void twoPartitionsOfBatchBEqualOneProcessOfBatch2B() {
    twoPartitionsEqualOneProcess(DataParallel.sync(spark), 20, 1);
  }

  /**
   * Barrier mode takes the same steps as tree aggregation: over 2 epochs (2 barrier jobs), so
   * Adam's moments and step count also cross from one job to the next. Few steps: each all-gather
   * takes about a second (see {@link DataParallel#barrier}).
   */
  @Test
  void barrierModeEqualsOneProcessOfBatch2BAcrossEpochs() {
    twoPartitionsEqualOneProcess(DataParallel.barrier(spark), 4, 2);
  }

  private void twoPartitionsEqualOneProcess(DataParallel dp, int steps, int epochs) {
    int b = 4;
    int perPartition = steps * b; // one epoch of `steps` steps
    List<Row> p0 = rows(perPartition, 1);
    List<Row> p1 = rows(perPartition, 2);
    var all = new ArrayList<>(p0);
    all.addAll(p1);
    // parallelize cuts the list into 2 contiguous slices: partition 0 = p0, partition 1 = p1.
    var rdd = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(all, 2);
    var frame = spark.createDataFrame(rdd, schema());
    var data = SparkData.of(frame, "features", "label");
    assertEquals(2, data.partitions());

    var interleaved = new ArrayList<Row>();
    for (int k = 0; k < steps; k++) {
      interleaved.addAll(p0.subList(k * b, (k + 1) * b));
      interleaved.addAll(p1.subList(k * b, (k + 1) * b));
    }
    Fit fit =
        Fit.epochs(epochs)
            .batch(2 * b)
            .optimizer(Adam.lr(0.01))
            .loss(Loss.crossEntropy())
            .noShuffle()
            .quiet();

    Model single = model();
    History hs = single.fit(Dataset.of(x(interleaved), y(interleaved)), fit);
    Model distributed = model();
    long t0 = System.nanoTime();
    History hd = dp.fit(distributed, data, fit);
    System.out.println("distributed fit: " + (System.nanoTime() - t0) / 1e9 + " s; " + dp.timing());

    assertEquals(steps * epochs, hs.steps());
    assertEquals(steps * epochs, hd.steps());
    assertEquals(steps * epochs, dp.timing().synchronizations());
    assertSameWeights(single, distributed, 1e-5);
    for (int e = 0; e < epochs; e++) {
      assertEquals(hs.loss()[e], hd.loss()[e], 1e-5, "epoch " + (e + 1) + "'s loss");
    }
    // and training moved the weights: the comparison is not of two untouched models
    Model untouched = model();
    untouched.build(FEATURES);
    double moved = 0;
    for (var e : untouched.weights().entrySet()) {
      float[] w = distributed.weights().get(e.getKey());
      for (int i = 0; i < w.length; i++) {
        moved = Math.max(moved, Math.abs(w[i] - e.getValue()[i]));
      }
    }
    assertTrue(moved > 0.05, "the weights moved by only " + moved);
  }

  /**
   * With one partition, local SGD is single-process training whatever k: the optimizer's state
   * (Adam's moments and step count) goes through every round's averaging intact. Resetting it each
   * round would change the weights.
   */
  @Test
  void localSgdOnOnePartitionIsSingleProcessTrainingAcrossRounds() {
    List<Row> rows = rows(80, 3);
    Fit fit =
        Fit.epochs(2)
            .batch(4)
            .optimizer(Adam.lr(0.01))
            .loss(Loss.crossEntropy())
            .noShuffle()
            .quiet();
    Model single = model();
    single.fit(local(rows), fit);
    Model averaged = model();
    var dp = DataParallel.localSgd(spark, 5);
    History h = dp.fit(averaged, data(rows, 1), fit);
    assertEquals(40, h.steps());
    assertEquals(8, dp.timing().synchronizations());
    assertSameWeights(single, averaged, 1e-5);
  }

  /**
   * Plain SGD is linear in the gradient: averaging the weights after one local step each is one
   * step with the averaged gradient, so local SGD with k = 1 is synchronous training.
   */
  @Test
  void localSgdWithKOneAndPlainSgdIsSynchronousTraining() {
    int b = 4;
    List<Row> p0 = rows(40, 4);
    List<Row> p1 = rows(40, 5);
    var all = new ArrayList<>(p0);
    all.addAll(p1);
    Fit fit =
        Fit.epochs(1)
            .batch(2 * b)
            .optimizer(SGD.lr(0.1))
            .loss(Loss.crossEntropy())
            .noShuffle()
            .quiet();
    Model single = model();
    single.fit(local(interleave(p0, p1, b)), fit);
    Model averaged = model();
    DataParallel.localSgd(spark, 1).fit(averaged, data(all, 2), fit);
    assertSameWeights(single, averaged, 1e-5);
  }

  /** Local SGD with Adam on two shuffled partitions learns the problem. */
  @Test
  void localSgdLearns() {
    List<Row> rows = rows(400, 6);
    Fit fit =
        Fit.epochs(6).batch(32).optimizer(Adam.lr(0.02)).loss(Loss.crossEntropy()).seed(3).quiet();
    Model m = model();
    History h = DataParallel.localSgd(spark, 4).fit(m, data(rows, 2), fit);
    double[] loss = h.loss();
    assertTrue(
        loss[loss.length - 1] < 0.6 * loss[0],
        "loss went from " + loss[0] + " to " + loss[loss.length - 1]);
    var eval = m.evaluate(local(rows(200, 7)), Loss.crossEntropy(), Metric.accuracy());
    assertTrue(eval.metrics().get("accuracy") > 0.8, "accuracy " + eval.metrics());
  }

  /** Batch inference adds a column holding what predict gives for the same rows. */
  @Test
  void predictOverAFrameMatchesPredict() {
    List<Row> rows = rows(300, 8);
    Model m = model();
    m.fit(
        local(rows),
        Fit.epochs(2).batch(16).optimizer(Adam.lr(0.01)).loss(Loss.crossEntropy()).quiet());
    var frame = data(rows, 3).frame();
    var scored = SparkPredict.of(m).column("scores").batch(64).apply(frame, "features");
    assertEquals(List.of("features", "label", "scores"), List.of(scored.columns()));
    List<Row> out = scored.collectAsList();
    assertEquals(rows.size(), out.size());
    float[] expected = m.predict(x(rows)).toFloatArray();
    for (int i = 0; i < rows.size(); i++) {
      List<Float> got = out.get(i).getList(2);
      assertEquals(rows.get(i).getInt(1), out.get(i).getInt(1));
      for (int j = 0; j < CLASSES; j++) {
        assertEquals(expected[i * CLASSES + j], got.get(j), 1e-6, "row " + i + " output " + j);
      }
    }
  }

  @Test
  void badColumnsAreNamed() {
    var frame = data(rows(10, 9), 1).frame();
    var e =
        assertThrows(IllegalArgumentException.class, () -> SparkData.of(frame, "feature", "label"));
    assertTrue(
        e.getMessage().contains("'feature'") && e.getMessage().contains("[features, label]"),
        e.getMessage());
    var numeric = frame.withColumn("text", org.apache.spark.sql.functions.lit("a"));
    var e2 =
        assertThrows(
            IllegalArgumentException.class, () -> SparkData.of(numeric, "features", "text"));
    assertTrue(e2.getMessage().contains("'text' has type string"), e2.getMessage());
  }

  /** An interrupt of the training thread cancels the Spark job and keeps the weights so far. */
  @Test
  void interruptCancelsTheJob() throws Exception {
    List<Row> rows = rows(4000, 10);
    var data = data(rows, 2);
    Fit fit = Fit.epochs(1000).batch(8).optimizer(Adam.lr(0.001)).loss(Loss.crossEntropy()).quiet();
    Model m = model();
    var result = new java.util.concurrent.atomic.AtomicReference<History>();
    var failure = new java.util.concurrent.atomic.AtomicReference<Throwable>();
    var t =
        new Thread(
            () -> {
              try {
                result.set(DataParallel.sync(spark).fit(m, data, fit));
              } catch (Throwable e) {
                failure.set(e);
              }
            });
    t.start();
    var tracker = spark.sparkContext().statusTracker();
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (tracker.getActiveJobIds().length == 0 || result.get() != null) {
      assertTrue(System.nanoTime() < deadline, "no training job started within 60 s");
      Thread.sleep(20);
    }
    Thread.sleep(500);
    t.interrupt();
    t.join(30_000);
    assertFalse(t.isAlive(), "fit did not return within 30 s of the interrupt");
    assertNull(failure.get());
    assertTrue(result.get().interrupted(), result.get().stopReason());
    // Cancelling is asynchronous: the job ends soon after, not at once.
    long cancelled = System.nanoTime() + 20_000_000_000L;
    while (tracker.getActiveJobIds().length > 0) {
      assertTrue(
          System.nanoTime() < cancelled, "the Spark job still runs 20 s after the interrupt");
      Thread.sleep(20);
    }
  }
}
