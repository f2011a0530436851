package dev.quiver.spark;

import dev.quiver.dsl.Model;
import dev.quiver.dsl.Models;
import dev.quiver.dsl.Sequential;
import dev.quiver.dsl.metrics.Evaluation;
import dev.quiver.dsl.optim.Optimizer;
import dev.quiver.dsl.train.Fit;
import dev.quiver.dsl.train.History;
import dev.quiver.dsl.train.Trainer;
import dev.quiver.dsl.train.TrainingRun;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.UUID;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * Data-parallel training of a DSL model on Spark, with the same {@link Fit} as {@code model.fit}:
 * every partition of the {@link SparkData} is a shard that a replica of the model on its executor
 * trains on.
 *
 * <pre>{@code
 * var spark = Spark.local();                                  // or Spark.cluster("spark://host:7077")
 * var data = SparkData.of(frame, "features", "label");
 * History h = DataParallel.sync(spark).fit(model, data, fit);  // or .localSgd(spark, 8)
 * }</pre>
 *
 * <p><b>Synchronous</b> ({@link #sync}): each step is one Spark job. The driver broadcasts the
 * weights; each partition computes the gradient of its rows of the global batch ({@code
 * fit.batch()} rows split over the partitions); Spark's tree aggregation sums them weighted by
 * rows, which is exactly the gradient of the global batch's mean loss; the driver's optimizer takes
 * that step, so its state (Adam's moments, the step count) is the single-process state and every
 * replica starts the next step from the same weights.
 *
 * <p><b>Local SGD</b> ({@link #localSgd}): each round is one Spark job in which every replica takes
 * {@code k} steps of its own on its own batches, starting from the driver's weights and optimizer
 * state; the driver then averages the weights and the optimizer state (Adam's moments) weighted by
 * the rows each replica trained on, and continues the step count. A round synchronizes once per
 * {@code k} steps, at the price of replicas drifting apart in between.
 *
 * <p>Faults: a task that fails (a lost executor) is re-run by Spark from the same broadcast
 * weights, so the step it belongs to is computed as if nothing happened. When a step's job fails
 * for good, the model keeps the weights of the last completed step and fit throws {@link
 * SparkTrainingFailed}. An interrupt of the calling thread (a notebook's interrupt) cancels the
 * running job and returns the history so far, as fit does.
 */
public final class DataParallel {
  private final SparkSession spark;
  private final int localSteps; // 0: synchronous
  private final boolean barrier; // synchronous, by all-gather in one barrier job per epoch

  private DataParallel(SparkSession spark, int localSteps, boolean barrier) {
    this.spark = spark;
    this.localSteps = localSteps;
    this.barrier = barrier;
  }

  /**
   * Synchronous data parallelism: one averaged gradient step per global batch, one Spark job per
   * step (tree aggregation of the gradients, the driver's optimizer).
   */
  public static DataParallel sync(SparkSession spark) {
    return new DataParallel(spark, 0, false);
  }

  /**
   * Synchronous data parallelism in barrier mode: the same steps as {@link #sync} (the same weights
   * up to the order of float additions), but one Spark job per epoch whose tasks run together and
   * all-gather their gradients at every step; each replica then takes the same optimizer step. No
   * job is scheduled and no weights are broadcast per step; in exchange, progress shows once per
   * epoch, every partition needs a free task slot at once (Spark refuses the job otherwise), and a
   * failed task re-runs the whole epoch from its start.
   *
   * <p>Not offered to users: measured against {@link #sync} it loses at every model size, because
   * Spark 4.2's {@code BarrierTaskContext.allGather} waits for its reply in steps of one second
   * ({@code Thread.sleep(1000)} while the reply is not there), so every step costs about a second
   * (docs/distributed.md). Kept for the benchmark ({@code ./quiver bench spark ... barrier}) and
   * its equivalence test, to measure again when Spark changes.
   */
  static DataParallel barrier(SparkSession spark) {
    return new DataParallel(spark, 0, true);
  }

  /**
   * Local SGD: every replica takes {@code k} steps, then weights and optimizer state are averaged.
   */
  public static DataParallel localSgd(SparkSession spark, int k) {
    if (k < 1) {
      throw new IllegalArgumentException("DataParallel.localSgd: k must be >= 1, got " + k);
    }
    return new DataParallel(spark, k, false);
  }

  /** Steps between synchronizations (1 for synchronous training). */
  public int syncEvery() {
    return Math.max(1, localSteps);
  }

  /**
   * Trains {@code model} on {@code data}; see the class comment for what a step is. The {@link Fit}
   * is the one of {@code model.fit}: epochs, the global batch size, optimizer (with its schedule
   * and clipping), loss, penalty, shuffling seed, validation data (evaluated on the driver),
   * callbacks, progress. Training metrics are not computed.
   */
  public History fit(Model model, SparkData data, Fit f) {
    check(model, f);
    Sequential seq = (Sequential) model;
    model.build(data.sampleShape());
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<Shard> shards = data.shards();
    int partitions = shards.getNumPartitions();
    String run = "quiver-" + UUID.randomUUID();
    sc.setJobGroup(
        run,
        "Quiver "
            + (localSteps > 0 ? "local SGD" : barrier ? "synchronous (barrier)" : "synchronous")
            + " training",
        true);
    List<Integer> sizes;
    try {
      sizes = shards.map(s -> s.rows).collect(); // the first job: it also caches the shards
    } catch (Exception e) { // an interrupt before the first step returns, as one during training
      if (!interrupted(e)) {
        sc.clearJobGroup();
        throw e;
      }
      sc.cancelJobGroup(run);
      sc.clearJobGroup();
      Thread.currentThread().interrupt();
      TrainingRun tr = TrainingRun.start(model, f, 1);
      tr.stop("interrupted while the data was read, before the first step; weights kept");
      return tr.finish();
    }
    int largest = sizes.stream().mapToInt(Integer::intValue).max().orElse(0);
    if (largest == 0) {
      sc.clearJobGroup();
      throw new IllegalArgumentException("DataParallel.fit: " + data + " has no rows");
    }
    int perPartition =
        (int) Math.max(1, Math.ceilDiv(Math.min(f.batchSize(), Integer.MAX_VALUE / 2), partitions));
    int stepsPerEpoch = Math.ceilDiv(largest, perPartition);
    Optimizer opt = f.optimizer().on(model.parameters());
    Plan plan =
        new Plan(
            run,
            Models.architecture(seq),
            f.loss(),
            f.penalty(),
            localSteps > 0 || barrier ? f.optimizer() : null,
            perPartition,
            f.shuffle(),
            f.seed());
    var timing = new StepTiming();
    lastTiming = timing;
    TrainingRun tr =
        TrainingRun.start(model, f, barrier ? 1 : Math.ceilDiv(stepsPerEpoch, syncEvery()));
    try {
      epochs:
      for (int epoch = 0; epoch < f.epochs(); epoch++) {
        double lossSum = 0;
        long rows = 0;
        int round = 0;
        int stride = barrier ? stepsPerEpoch : syncEvery(); // a barrier job runs the whole epoch
        for (int k = 0; k < stepsPerEpoch; k += stride, round++) {
          if (Thread.currentThread().isInterrupted()) {
            tr.stop(
                "interrupted in epoch "
                    + (epoch + 1)
                    + " before step "
                    + (k + 1)
                    + "; weights kept");
            break epochs;
          }
          Sum s;
          long t0 = System.nanoTime();
          try {
            s =
                barrier
                    ? barrierEpoch(sc, shards, plan, opt, model, epoch, stepsPerEpoch)
                    : localSteps > 0
                        ? round(sc, shards, plan, opt, model, epoch, k)
                        : step(sc, shards, plan, model, epoch, k);
          } catch (Exception e) { // Spark's own exceptions are checked ones, undeclared
            if (interrupted(e)) {
              sc.cancelJobGroup(run);
              Thread.currentThread().interrupt();
              tr.stop(
                  "interrupted in epoch "
                      + (epoch + 1)
                      + " during step "
                      + (k + 1)
                      + "; the Spark job was cancelled, weights kept");
              break epochs;
            }
            throw new SparkTrainingFailed(
                "DataParallel.fit: the Spark job of step "
                    + (tr.steps() + 1)
                    + " (epoch "
                    + (epoch + 1)
                    + ") failed; the model keeps the weights after step "
                    + tr.steps()
                    + ": "
                    + e.getMessage(),
                tr.finish(),
                e);
          }
          long t1 = System.nanoTime();
          if (s.rows == 0) {
            continue;
          }
          if (barrier) {
            applyReplica(model, opt, s);
          } else if (localSteps > 0) {
            applyAverage(model, opt, s);
          } else {
            applyGradient(model, opt, s);
          }
          timing.add(
              t1 - t0, s.computeNanos, System.nanoTime() - t1, s.steps, barrier ? s.steps : 1);
          lossSum += s.lossSum;
          rows += s.rows;
          var running = new LinkedHashMap<String, Double>();
          running.put("loss", lossSum / rows);
          tr.afterSteps(epoch, round, s.steps, running);
        }
        var logs = new LinkedHashMap<String, Double>();
        logs.put("loss", lossSum / Math.max(1, rows));
        if (f.validation() != null) {
          Evaluation v = Trainer.evaluate(model, f.validation(), f.loss(), f.metrics(), 256);
          logs.put("val_loss", v.loss());
          v.metrics().forEach((name, x) -> logs.put("val_" + name, x));
        }
        logs.put("lr", opt.lr());
        opt.nextEpoch();
        if (tr.endEpoch(epoch, logs)) {
          break;
        }
      }
    } finally {
      sc.clearJobGroup();
    }
    return tr.finish();
  }

  private static boolean interrupted(Throwable e) {
    if (Thread.currentThread().isInterrupted()) {
      return true;
    }
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof InterruptedException) {
        return true;
      }
    }
    return false;
  }

  private StepTiming lastTiming;

  /**
   * Where the time of the last {@link #fit} went: per synchronization, the whole job, the longest
   * partition's compute and the driver's update.
   */
  public StepTiming timing() {
    return lastTiming;
  }

  /** One synchronous step: the row-weighted sum of the partitions' gradients. */
  private static Sum step(
      JavaSparkContext sc, JavaRDD<Shard> shards, Plan plan, Model model, int epoch, int k) {
    Broadcast<float[]> weights = sc.broadcast(Flat.of(model.parameters()));
    Sum sum;
    try {
      sum =
          shards.treeAggregate(
              Sum.empty(),
              (acc, shard) -> acc.plus(Work.gradient(plan, shard, weights.value(), epoch, k)),
              Sum::plus,
              2);
    } catch (Exception e) {
      sc.cancelJobGroup(plan.run()); // the job's tasks may still run: leave their broadcast be
      throw e;
    }
    weights.destroy(false);
    return sum;
  }

  /** The driver's weights and optimizer state, which replicas that step on their own start from. */
  private static Work.Start startOf(Model model, Optimizer opt) {
    List<Tensor> params = model.parameters();
    return new Work.Start(
        Flat.of(params), Flat.of(OptimizerState.slots(opt, params)), opt.steps(), opt.epoch());
  }

  /** One round of local SGD: the row-weighted sum of the replicas' weights and optimizer state. */
  private Sum round(
      JavaSparkContext sc,
      JavaRDD<Shard> shards,
      Plan plan,
      Optimizer opt,
      Model model,
      int epoch,
      int k) {
    Broadcast<Work.Start> bc = sc.broadcast(startOf(model, opt));
    int steps = localSteps;
    Sum sum;
    try {
      sum =
          shards.treeAggregate(
              Sum.empty(),
              (acc, shard) -> acc.plus(Work.localRound(plan, shard, bc.value(), epoch, k, steps)),
              Sum::plus,
              2);
    } catch (Exception e) {
      sc.cancelJobGroup(plan.run()); // the job's tasks may still run: leave their broadcast be
      throw e;
    }
    bc.destroy(false);
    return sum;
  }

  /**
   * One barrier job for a whole epoch (see {@link Work#barrierEpoch}): partition 0's weights and
   * optimizer state after the epoch, with the epoch's rows and loss; compute is the longest
   * partition's.
   */
  private static Sum barrierEpoch(
      JavaSparkContext sc,
      JavaRDD<Shard> shards,
      Plan plan,
      Optimizer opt,
      Model model,
      int epoch,
      int steps) {
    Broadcast<Work.Start> bc = sc.broadcast(startOf(model, opt));
    List<Sum> parts;
    try {
      parts = Barrier.run(shards, plan, bc, epoch, steps);
    } catch (Exception e) {
      sc.cancelJobGroup(plan.run()); // the job's tasks may still run: leave their broadcast be
      throw e;
    }
    bc.destroy(false);
    Sum first = null;
    long compute = 0;
    for (Sum p : parts) {
      compute = Math.max(compute, p.computeNanos);
      if (p.values != null) {
        first = p;
      }
    }
    if (first == null) {
      throw new IllegalStateException(
          "barrier epoch " + (epoch + 1) + ": partition 0 sent no weights");
    }
    first.computeNanos = compute;
    return first;
  }

  /** Weights and optimizer state = the replicas' (all equal); the step count continues. */
  private static void applyReplica(Model model, Optimizer opt, Sum s) {
    List<Tensor> params = model.parameters();
    int at = Flat.load(params, s.values, 0);
    try (var ignored = Autograd.noGrad()) {
      Flat.load(OptimizerState.slots(opt, params), s.values, at);
    }
    opt.resume(opt.steps() + s.steps, opt.epoch());
  }

  /** Gradient = sum / rows on every parameter, then the driver's optimizer steps. */
  private static void applyGradient(Model model, Optimizer opt, Sum s) {
    float inv = 1f / s.rows;
    float[] g = s.values;
    int at = 0;
    for (Tensor p : model.parameters()) {
      int n = (int) p.numel();
      float[] pg = new float[n];
      for (int i = 0; i < n; i++) {
        pg[i] = g[at + i] * inv;
      }
      p.setGrad(Tensor.of(pg, p.shape()).to(p.device()));
      at += n;
    }
    opt.step();
  }

  /** Weights and optimizer state = their row-weighted averages; the step count continues. */
  private static void applyAverage(Model model, Optimizer opt, Sum s) {
    float inv = 1f / s.rows;
    float[] v = s.values;
    for (int i = 0; i < v.length; i++) {
      v[i] *= inv;
    }
    List<Tensor> params = model.parameters();
    int at = Flat.load(params, v, 0);
    try (var ignored = Autograd.noGrad()) {
      Flat.load(OptimizerState.slots(opt, params), v, at);
    }
    opt.resume(opt.steps() + s.steps, opt.epoch());
  }

  private static void check(Model model, Fit f) {
    if (f.loss() == null) {
      throw new IllegalArgumentException(
          "DataParallel.fit: no loss; add .loss(Loss.mse()) or another to the Fit");
    }
    if (f.optimizer() == null) {
      throw new IllegalArgumentException(
          "DataParallel.fit: no optimizer; add .optimizer(Adam.lr(0.01)) or another to the Fit");
    }
    if (!f.metrics().isEmpty() && f.validation() == null) {
      throw new IllegalArgumentException(
          "DataParallel.fit: training metrics are not computed in distributed training; drop .metrics(...) or give .validation(data), on which they are computed");
    }
    if (f.validationSplit() > 0) {
      throw new IllegalArgumentException(
          "DataParallel.fit: a validation split needs the data on one machine; split the frame (frame.randomSplit) and pass .validation(Dataset) instead");
    }
    if (!(model instanceof Sequential)) {
      throw new IllegalArgumentException(
          "DataParallel.fit: distributed training sends the model's architecture to the executors, which a Sequential has; "
              + model.describe()
              + " is a free-form model");
    }
  }
}
