package dev.quiver.spark;

import dev.quiver.dsl.data.Batch;
import dev.quiver.dsl.optim.Optimizer;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.memory.MemoryScope;
import java.io.Serializable;
import java.util.List;

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
      float[] g = new float[weights.length];
      int at = 0;
      for (Tensor p : r.params) {
        int n = (int) p.numel();
        if (p.grad() != null) {
          float[] pg = p.grad().toFloatArray();
          for (int i = 0; i < n; i++) {
            g[at + i] = pg[i] * b.size();
          }
        }
        at += n;
      }
      sum.values = g;
      sum.rows = b.size();
      sum.lossSum = value * b.size();
      sum.steps = 1;
    } finally {
      Replica.give(plan, r);
    }
    sum.computeNanos = System.nanoTime() - start;
    return sum;
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
}
