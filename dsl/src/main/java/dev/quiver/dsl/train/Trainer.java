package dev.quiver.dsl.train;

import dev.quiver.dsl.HasOutputHead;
import dev.quiver.dsl.Model;
import dev.quiver.dsl.OutputHead;
import dev.quiver.dsl.data.Batch;
import dev.quiver.dsl.data.Dataset;
import dev.quiver.dsl.data.Loader;
import dev.quiver.dsl.data.Split;
import dev.quiver.dsl.loss.BinaryCrossEntropyWithLogits;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.metrics.Evaluation;
import dev.quiver.dsl.metrics.Metric;
import dev.quiver.dsl.metrics.Predictions;
import dev.quiver.dsl.optim.Optimizer;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.OperationInterruptedException;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import dev.quiver.runtime.memory.MemoryScope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The training loop behind {@code model.fit}: the usual training-loop flowchart (forward, loss,
 * backward, update, repeat) as code.
 *
 * <p>It trains a {@link Model}, never a bare layer, and binds the {@link Fit}'s optimizer to the
 * model's parameters ({@code optimizer.on(model.parameters())}): optimizers know tensors, not
 * modules. Where the loss has a stable form on logits and the model ends in the matching squashing
 * ({@link HasOutputHead}), the loss is computed on the logits before it.
 *
 * <p>Each step runs inside a {@link MemoryScope}, so the activations and temporaries of a step are
 * freed when it ends and memory does not grow with the number of steps; parameters, gradients and
 * optimizer state live outside. Between batches the loop checks the thread's interrupt flag: an
 * interrupted fit returns the history so far, keeps the weights trained so far, and leaves the flag
 * set for the caller. A NaN or infinite loss stops training with {@link TrainingDiverged}, naming
 * the step and the first layer whose output went bad.
 */
public final class Trainer {
  private Trainer() {}

  public static History fit(Model model, Dataset data, Fit f) {
    if (f.loss() == null) {
      throw new IllegalArgumentException(
          "fit: no loss; add .loss(Loss.mse()) or another to the Fit");
    }
    if (f.optimizer() == null) {
      throw new IllegalArgumentException(
          "fit: no optimizer; add .optimizer(Adam.lr(0.01)) or another to the Fit");
    }
    Dataset train = data;
    Dataset validation = f.validation();
    if (f.validationSplit() > 0) {
      if (validation != null) {
        throw new IllegalArgumentException(
            "fit: both validation data and a validation split were given; use one");
      }
      long n = data.size();
      long held = n - Math.round(n * (1 - f.validationSplit()));
      if (held == 0 || held == n) {
        throw new IllegalArgumentException(
            String.format(
                "fit: validationSplit(%s) of %d rows holds out %s; use more rows or %s split",
                f.validationSplit(),
                n,
                held == 0 ? "no row for validation" : "every row, leaving none to train on",
                held == 0 ? "a larger" : "a smaller"));
      }
      Split s = data.split(1 - f.validationSplit(), f.seed());
      train = s.train();
      validation = s.test();
    }
    long[] sample = Arrays.copyOfRange(train.x().shape(), 1, train.x().dim());
    model.build(sample);
    checkLabels(model, train, f.loss(), "training");
    if (validation != null) {
      checkLabels(model, validation, f.loss(), "validation");
    }
    // Data stays where it is (usually the host); each batch moves to the model's device in its
    // step's scope.
    Device device = model.device();
    Optimizer opt = f.optimizer().on(model.parameters());
    Step step = new Step(model, f.loss());
    List<Tensor> penalized = new ArrayList<>();
    if (f.penalty() != null) {
      for (Tensor p : model.parameters()) {
        if (p.dim() >= 2) {
          penalized.add(p);
        }
      }
    }
    int batchSize = (int) Math.min(f.batchSize(), train.size());
    var history = new History();
    Progress progress =
        f.verbose() ? new Progress(f.epochs(), train.batchCount(batchSize), history) : null;
    var shuffles = new SplittableRandom(f.seed());
    var augmentSeeds = new SplittableRandom(f.seed() ^ 0x9E3779B97F4A7C15L);
    // Batches are cut on a background thread only when they are transformed (augmentation is what
    // costs): handing each batch across threads cost about 1 ms on 2 cores, and an Iris step
    // (40 us) took 1.3 ms through the prefetching loader.
    Loader loader = Loader.of(train, batchSize).transform(f.augment());
    if (f.augment() == null) {
      loader = loader.prefetch(0);
    }
    for (Callback c : f.callbacks()) {
      c.onTrainBegin(model);
    }
    long steps = 0;
    try {
      epochs:
      for (int epoch = 0; epoch < f.epochs(); epoch++) {
        model.train();
        var acc = new EpochTotals();
        int batchIndex = 0;
        // Cut (and transformed) on the loader's thread while the previous step computes.
        try (Loader.Epoch batches =
            loader.epoch(f.shuffle() ? shuffles.nextLong() : null, augmentSeeds.nextLong())) {
          // An interrupt is checked before waiting for the next batch.
          while (Thread.currentThread().isInterrupted() || batches.hasNext()) {
            if (Thread.currentThread().isInterrupted()) {
              history.stop(
                  "interrupted in epoch "
                      + (epoch + 1)
                      + " before batch "
                      + (batchIndex + 1)
                      + "; weights kept");
              break epochs;
            }
            // The batch joins the step's scope, so that nothing a step uses outlives it.
            try (var scope = MemoryScope.open()) {
              Batch batch = batches.next();
              batch.x().moveTo(scope);
              batch.y().moveTo(scope);
              if (!step(
                  model,
                  f,
                  opt,
                  step,
                  penalized,
                  onDevice(batch, device),
                  history,
                  steps,
                  epoch,
                  batchIndex,
                  acc)) {
                history.stop(
                    "interrupted in epoch "
                        + (epoch + 1)
                        + " during batch "
                        + (batchIndex + 1)
                        + "; that step was abandoned, weights kept");
                break epochs;
              }
            }
            steps++;
            batchIndex++;
            if (progress != null) {
              progress.update(epoch, batchIndex, Map.of("loss", acc.lossSum / acc.rows), false);
            }
          }
        }
        var logs = new LinkedHashMap<String, Double>();
        logs.put("loss", acc.lossSum / acc.rows);
        if (!f.metrics().isEmpty()) {
          Predictions seen = Predictions.concat(acc.seen);
          for (Metric m : f.metrics()) {
            logs.put(m.name(), m.compute(seen));
          }
        }
        if (validation != null) {
          Evaluation v = evaluate(model, validation, f.loss(), f.metrics(), batchSize);
          logs.put("val_loss", v.loss());
          v.metrics().forEach((k, x) -> logs.put("val_" + k, x));
        }
        logs.put("lr", opt.lr());
        opt.nextEpoch();
        history.add(logs);
        history.steps(steps);
        if (progress != null) {
          progress.update(epoch, train.batchCount(batchSize), logs, false);
        }
        boolean stop = false;
        for (Callback c : f.callbacks()) {
          stop |= c.onEpochEnd(epoch, logs, model);
        }
        if (stop) {
          history.stop("stopped by a callback after epoch " + (epoch + 1));
          break;
        }
      }
    } finally {
      history.steps(steps);
      if (progress != null) {
        progress.finish();
      }
      for (Callback c : f.callbacks()) {
        c.onTrainEnd(model);
      }
    }
    return history;
  }

  /** The batch on the model's device (the same batch when it is there already). */
  private static Batch onDevice(Batch b, Device device) {
    return b.x().device().equals(device) && b.y().device().equals(device)
        ? b
        : new Batch(b.x().to(device), b.y().to(device));
  }

  /** Running sums of an epoch. */
  private static final class EpochTotals {
    double lossSum;
    long rows;
    final List<Predictions> seen = new ArrayList<>();
  }

  /**
   * One optimizer step on a batch; false when a kernel noticed an interrupt before the step
   * finished. Runs inside the caller's memory scope.
   */
  private static boolean step(
      Model model,
      Fit f,
      Optimizer opt,
      Step step,
      List<Tensor> penalized,
      Batch b,
      History history,
      long steps,
      int epoch,
      int batchIndex,
      EpochTotals acc) {
    try {
      opt.zeroGrad();
      Tensor raw = step.forward(b.x());
      Tensor loss = step.loss(raw, b.y());
      Tensor total = penalized.isEmpty() ? loss : loss.add(f.penalty().of(penalized));
      double value = loss.item();
      double totalValue = penalized.isEmpty() ? value : total.item();
      if (!Double.isFinite(totalValue)) {
        throw diverged(model, b.x(), steps, epoch, batchIndex, totalValue, history);
      }
      total.backward();
      opt.step();
      acc.lossSum += value * b.size();
      acc.rows += b.size();
      if (!f.metrics().isEmpty()) {
        acc.seen.add(Predictions.of(raw.detach(), b.y(), step.threshold()));
      }
      return true;
    } catch (OperationInterruptedException e) {
      // The runtime's kernels poll the interrupt flag and leave it set; so do we.
      return false;
    }
  }

  /**
   * The training loss of one batch as {@code fit} computes it (on the logits where the model ends
   * in a squashing that the loss absorbs), with the graph recorded: {@code backward()} on it gives
   * the gradients a step of {@code fit} would. Distributed training computes its shards' gradients
   * with it.
   */
  public static Tensor batchLoss(Model model, Loss loss, Tensor x, Tensor y) {
    Step step = new Step(model, loss);
    return step.loss(step.forward(x), y);
  }

  /** Mean loss and metrics over {@code data}, in inference mode, without gradients. */
  public static Evaluation evaluate(
      Model model, Dataset data, Loss loss, List<Metric> metrics, int batchSize) {
    boolean wasTraining = model.isTraining();
    model.eval();
    Step step = new Step(model, loss);
    Device device = model.device();
    double lossSum = 0;
    long rows = 0;
    var parts = new ArrayList<Predictions>();
    try (var ignored = Autograd.noGrad()) {
      Iterator<Batch> batches = data.batches((int) Math.min(batchSize, data.size())).iterator();
      while (batches.hasNext()) {
        try (var scope = MemoryScope.open()) {
          Batch b = onDevice(batches.next(), device);
          Tensor raw = step.forward(b.x());
          lossSum += step.loss(raw, b.y()).item() * b.size();
          rows += b.size();
          parts.add(Predictions.of(raw, b.y(), step.threshold()));
        }
      }
    } finally {
      if (wasTraining) {
        model.train();
      }
    }
    Predictions all = Predictions.concat(parts);
    var values = new LinkedHashMap<String, Double>();
    for (Metric m : metrics) {
      values.put(m.name(), m.compute(all));
    }
    return new Evaluation(lossSum / rows, loss.name(), values, all, data.classNames());
  }

  /**
   * How a model and a loss meet: on the logits when the model ends in a squashing that the loss can
   * absorb stably, else on the output; and where a single output is split into two classes.
   */
  private record Step(Model model, Loss loss, OutputHead head, Loss onLogits) {
    Step(Model model, Loss loss) {
      this(model, loss, OutputHead.of(model), loss.logitsFor(OutputHead.of(model)));
    }

    Tensor forward(Tensor x) {
      return onLogits != null && model instanceof HasOutputHead headed
          ? headed.applyBeforeHead(x)
          : model.apply(x);
    }

    Tensor loss(Tensor raw, Tensor y) {
      return (onLogits != null ? onLogits : loss).compute(raw, y);
    }

    /**
     * Single-output scores are logits (split at 0) when we work on logits, probabilities (0.5)
     * otherwise.
     */
    double threshold() {
      boolean logits =
          (onLogits != null && head == OutputHead.SIGMOID)
              || (loss instanceof BinaryCrossEntropyWithLogits && head == OutputHead.NONE);
      return logits ? 0 : 0.5;
    }
  }

  /**
   * Class labels out of the model's range fail before the first step, with the row in the data set,
   * rather than at some batch with a row number inside that batch.
   */
  private static void checkLabels(Model model, Dataset data, Loss loss, String which) {
    if (!(loss instanceof dev.quiver.dsl.loss.CrossEntropy)) {
      return;
    }
    long[] out = model.outputShape();
    if (out == null || out.length == 0) {
      return;
    }
    long classes = out[out.length - 1];
    double[] y = data.y().toDoubleArray();
    for (int i = 0; i < y.length; i++) {
      if (y[i] < 0 || y[i] >= classes || y[i] != Math.rint(y[i])) {
        throw new IllegalArgumentException(
            String.format(
                "fit: %s label %s at row %d is out of range for a model "
                    + "with %d outputs (classes 0..%d)",
                which,
                y[i] == Math.rint(y[i]) ? String.valueOf((long) y[i]) : String.valueOf(y[i]),
                i,
                classes,
                classes - 1));
      }
    }
  }

  private static TrainingDiverged diverged(
      Model model, Tensor x, long step, int epoch, int batch, double value, History history) {
    String layer = model.firstNonFiniteLayer(x);
    String input = firstNonFinite(x);
    if (input != null) {
      // The data, not the training, is at fault: say where, and no advice about learning rates.
      history.stop("diverged at step " + step);
      return new TrainingDiverged(
          String.format(
              "fit: the loss became %s at step %d (epoch %d, batch %d) because the batch's inputs"
                  + " are not finite: %s. Clean the data (drop or fill those rows) before fitting.",
              Double.isNaN(value) ? "NaN" : value > 0 ? "+Infinity" : "-Infinity",
              step,
              epoch + 1,
              batch + 1,
              input),
          step,
          layer,
          history);
    }
    String where =
        layer == null
            ? "every layer's output is finite, so the loss itself overflowed (check the targets and the loss)"
            : "the first layer whose output is not finite: " + layer;
    String msg =
        String.format(
            "fit: the loss became %s at step %d (epoch %d, batch %d); %s. Weights are those after "
                + "step %d. Try a lower learning rate, gradient clipping (optimizer.clipNorm(1.0)) or standardized inputs.",
            Double.isNaN(value) ? "NaN" : value > 0 ? "+Infinity" : "-Infinity",
            step,
            epoch + 1,
            batch + 1,
            where,
            step);
    history.stop("diverged at step " + step);
    return new TrainingDiverged(msg, step, layer, history);
  }

  /** Where the batch's inputs first hold NaN or an infinity, or null when they are all finite. */
  private static String firstNonFinite(Tensor x) {
    if (!x.dtype().isFloating()) {
      return null;
    }
    double[] v = x.toDoubleArray();
    long row = x.dim() > 0 ? Math.max(1, v.length / Math.max(1, x.shape()[0])) : 1;
    for (int i = 0; i < v.length; i++) {
      if (!Double.isFinite(v[i])) {
        return String.format(
            "%s at row %d of the batch, value %d of that row", v[i], i / row, i % row);
      }
    }
    return null;
  }
}
