package dev.quiver.spark;

import dev.quiver.dsl.data.Batch;
import dev.quiver.dsl.optim.Optimizer;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.memory.MemoryScope;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.List;
import org.apache.spark.BarrierTaskContext;

/** What a task does with its partition's {@link Shard}: runs on the executors. */
final class Work {
  private Work() {}

  /**
   * The gradient of step {@code k} of {@code epoch} on this shard's rows of the global batch, from
   * {@code weights}, multiplied by the rows (so that the sum over partitions divided by all rows is
   * the gradient of the whole batch's mean loss).
   */
  static Sum gradient(Plan plan, Shard shard, float[] weights, int epoch, int k) {
    Batch b = shard.batch(epoch, k, plan.batch(), plan.shuffle(), plan.seed());
    Sum sum = Sum.empty();
    if (b == null) {
      return sum; // this partition has no rows left in this epoch
    }
    long start = System.nanoTime();
    Replica r = Replica.take(plan);
    try (var scope = MemoryScope.open()) {
      r.load(weights);
      r.model.train();
      r.model.zeroGrad();
      Tensor loss = r.loss(plan, b);
      double value = loss.item();
      loss.backward();
      sum.values = gradientTimesRows(r, weights.length, b.size());
      sum.rows = b.size();
      sum.lossSum = value * b.size();
      sum.steps = 1;
    } finally {
      Replica.give(plan, r);
    }
    sum.computeNanos = System.nanoTime() - start;
    return sum;
  }

  /** The replica's gradients end to end ({@code n} values), each multiplied by {@code rows}. */
  private static float[] gradientTimesRows(Replica r, int n, long rows) {
    float[] g = new float[n];
    int at = 0;
    for (Tensor p : r.params) {
      int m = (int) p.numel();
      if (p.grad() != null) {
        float[] pg = p.grad().toFloatArray();
        for (int i = 0; i < m; i++) {
          g[at + i] = pg[i] * rows;
        }
      }
      at += m;
    }
    return g;
  }

  /**
   * The state local SGD starts a round from: the weights, the optimizer's state (every slot of
   * every parameter, end to end) and its step count and epoch.
   */
  record Start(float[] weights, float[] state, long steps, int epoch) implements Serializable {}

  /**
   * Up to {@code localSteps} steps of the plan's optimizer on this shard, from steps {@code k} of
   * {@code epoch} on, starting at {@code start}; returns the weights and the optimizer state
   * multiplied by the rows trained on (so that the sum over partitions divided by all rows is their
   * row-weighted average).
   */
  static Sum localRound(Plan plan, Shard shard, Start start, int epoch, int k, int localSteps) {
    Sum sum = Sum.empty();
    if (shard.batch(epoch, k, plan.batch(), plan.shuffle(), plan.seed()) == null) {
      return sum;
    }
    long t0 = System.nanoTime();
    Replica r = Replica.take(plan);
    try {
      r.load(start.weights());
      r.model.train();
      Optimizer opt = r.optimizer(plan);
      List<Tensor> slots = OptimizerState.slots(opt, r.params);
      Flat.load(slots, start.state(), 0);
      opt.resume(start.steps(), start.epoch());
      long rows = 0;
      double lossSum = 0;
      int steps = 0;
      for (int j = 0; j < localSteps; j++) {
        try (var scope = MemoryScope.open()) {
          Batch b = shard.batch(epoch, k + j, plan.batch(), plan.shuffle(), plan.seed());
          if (b == null) {
            break;
          }
          opt.zeroGrad();
          Tensor loss = r.loss(plan, b);
          lossSum += loss.item() * b.size();
          rows += b.size();
          steps++;
          loss.backward();
          opt.step();
        }
      }
      float[] w = Flat.of(r.params);
      float[] s = Flat.of(slots);
      float[] both = new float[w.length + s.length];
      for (int i = 0; i < w.length; i++) {
        both[i] = w[i] * rows;
      }
      for (int i = 0; i < s.length; i++) {
        both[w.length + i] = s[i] * rows;
      }
      sum.values = both;
      sum.rows = rows;
      sum.lossSum = lossSum;
      sum.steps = steps;
    } finally {
      Replica.give(plan, r);
    }
    sum.computeNanos = System.nanoTime() - t0;
    return sum;
  }

  /**
   * One epoch of barrier-mode synchronous training on this shard: every replica starts from {@code
   * start}, and at each step computes the gradient of its rows, all-gathers every partition's
   * gradient (Spark's {@link BarrierTaskContext#allGather}, through the driver), adds them up in
   * partition order and takes the plan's optimizer step on the global batch's mean gradient. Every
   * replica adds the same numbers in the same order, so all of them hold the same weights and
   * optimizer state after each step. Partition 0 returns them; every partition returns its rows,
   * loss and timings.
   */
  static Sum barrierEpoch(Plan plan, Shard shard, Start start, int epoch, int steps) {
    BarrierTaskContext ctx = BarrierTaskContext.get();
    Sum out = Sum.empty();
    Replica r = Replica.take(plan);
    try {
      r.load(start.weights());
      r.model.train();
      Optimizer opt = r.optimizer(plan);
      List<Tensor> slots = OptimizerState.slots(opt, r.params);
      Flat.load(slots, start.state(), 0);
      opt.resume(start.steps(), start.epoch());
      int n = start.weights().length;
      for (int k = 0; k < steps; k++) {
        try (var scope = MemoryScope.open()) {
          long t0 = System.nanoTime();
          Batch b =
              shard == null
                  ? null
                  : shard.batch(epoch, k, plan.batch(), plan.shuffle(), plan.seed());
          opt.zeroGrad();
          float[] g = null;
          double loss = 0;
          if (b != null) {
            Tensor l = r.loss(plan, b);
            loss = l.item() * b.size();
            l.backward();
            g = gradientTimesRows(r, n, b.size());
          }
          long t1 = System.nanoTime();
          String[] all = ctx.allGather(encode(b == null ? 0 : b.size(), loss, g));
          long t2 = System.nanoTime();
          float[] sum = new float[n];
          long rows = 0;
          for (String a : all) { // in partition order: the same sum on every replica
            ByteBuffer in = ByteBuffer.wrap(Base64.getDecoder().decode(a));
            rows += in.getLong();
            out.lossSum += in.getDouble();
            int len = in.getInt();
            if (len != 0 && len != n) {
              throw new IllegalStateException(
                  "barrier step " + k + ": a partition sent " + len + " values, expected " + n);
            }
            for (int i = 0; i < len; i++) {
              sum[i] += in.getFloat();
            }
          }
          if (rows == 0) {
            continue;
          }
          float inv = 1f / rows;
          int at = 0;
          for (Tensor p : r.params) {
            int m = (int) p.numel();
            float[] pg = new float[m];
            for (int i = 0; i < m; i++) {
              pg[i] = sum[at + i] * inv;
            }
            p.setGrad(Tensor.of(pg, p.shape()).to(p.device()));
            at += m;
          }
          opt.step();
          for (Tensor p : r.params) {
            p.setGrad(null); // made in this step's scope, released with it
          }
          out.rows += rows;
          out.steps++;
          out.computeNanos += (t1 - t0) + (System.nanoTime() - t2);
        }
      }
      if (ctx.partitionId() == 0) {
        float[] w = Flat.of(r.params);
        float[] s = Flat.of(slots);
        float[] both = new float[w.length + s.length];
        System.arraycopy(w, 0, both, 0, w.length);
        System.arraycopy(s, 0, both, w.length, s.length);
        out.values = both;
      }
    } finally {
      Replica.give(plan, r);
    }
    return out;
  }

  /** A partition's gradient as all-gather carries it: rows, loss sum, then the values (or none). */
  private static String encode(long rows, double loss, float[] g) {
    int len = g == null ? 0 : g.length;
    ByteBuffer buf = ByteBuffer.allocate(8 + 8 + 4 + 4 * len);
    buf.putLong(rows).putDouble(loss).putInt(len);
    for (int i = 0; i < len; i++) {
      buf.putFloat(g[i]);
    }
    return Base64.getEncoder().encodeToString(buf.array());
  }
}
