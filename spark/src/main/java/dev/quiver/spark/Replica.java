package dev.quiver.spark;

import dev.quiver.dsl.Model;
import dev.quiver.dsl.Models;
import dev.quiver.dsl.data.Batch;
import dev.quiver.dsl.optim.Optimizer;
import dev.quiver.dsl.train.Trainer;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import dev.quiver.runtime.memory.MemoryScope;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A copy of the model on an executor, rebuilt from the run's {@link Plan} and given the driver's
 * weights before every piece of work. Executors keep a few per run (one per task running at once)
 * and drop those of earlier runs.
 */
final class Replica {
  private static final Map<String, ConcurrentLinkedQueue<Replica>> POOL = new ConcurrentHashMap<>();

  final Model model;
  final List<Tensor> params;
  final List<Tensor> penalized = new ArrayList<>();
  private Optimizer optimizer;

  private Replica(Plan plan) {
    this.model = Models.fromArchitecture(plan.architecture());
    this.params = model.parameters();
    if (plan.penalty() != null) {
      for (Tensor p : params) {
        if (p.dim() >= 2) {
          penalized.add(p);
        }
      }
    }
  }

  /** A replica of the plan's model, reused when this executor has an idle one. */
  static Replica take(Plan plan) {
    if (!POOL.containsKey(plan.run())) {
      POOL.keySet().removeIf(run -> !run.equals(plan.run())); // an earlier run's are done
    }
    Replica r = POOL.computeIfAbsent(plan.run(), k -> new ConcurrentLinkedQueue<>()).poll();
    return r != null ? r : new Replica(plan);
  }

  static void give(Plan plan, Replica r) {
    POOL.computeIfAbsent(plan.run(), k -> new ConcurrentLinkedQueue<>()).add(r);
  }

  /** The plan's optimizer (a copy of the driver's configuration) on this replica's parameters. */
  Optimizer optimizer(Plan plan) {
    if (optimizer == null) {
      optimizer = plan.optimizer().on(params);
    }
    return optimizer;
  }

  /** The loss of {@code b} as fit computes it, with its graph; the penalty added if any. */
  Tensor loss(Plan plan, Batch b) {
    Tensor loss = Trainer.batchLoss(model, plan.loss(), b.x(), b.y());
    return penalized.isEmpty() ? loss : loss.add(plan.penalty().of(penalized));
  }

  /** Copies {@code flat} (the parameters one after another) into the parameters. */
  void load(float[] flat) {
    Flat.load(params, flat, 0);
  }

  static float[] flatten(List<Tensor> tensors) {
    return Flat.of(tensors);
  }

  /** Runs {@code work} inside a memory scope, without gradients recorded. */
  static void noGrad(Runnable work) {
    try (var scope = MemoryScope.open();
        var ignored = Autograd.noGrad()) {
      work.run();
    }
  }
}
