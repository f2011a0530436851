package dev.quiver.dsl.train;

import dev.quiver.dsl.Model;
import java.util.Map;

/**
 * The bookkeeping of a training loop that another engine drives (distributed training): the {@link
 * History}, the live progress view and the callbacks of {@code fit}, without its loop.
 *
 * <pre>{@code
 * var run = TrainingRun.start(model, fit, stepsPerEpoch);
 * for (...) { ...; run.afterStep(epoch, batch, meanLossSoFar); }
 * boolean stop = run.endEpoch(epoch, logs);      // history, progress, callbacks
 * History h = run.finish();
 * }</pre>
 */
public final class TrainingRun {
  private final Model model;
  private final Fit fit;
  private final History history = new History();
  private final Progress progress;
  private final int batchesPerEpoch;
  private long steps;
  private boolean finished;

  private TrainingRun(Model model, Fit fit, int batchesPerEpoch) {
    this.model = model;
    this.fit = fit;
    this.batchesPerEpoch = batchesPerEpoch;
    this.progress = fit.verbose() ? new Progress(fit.epochs(), batchesPerEpoch, history) : null;
  }

  /** Starts a run of {@code fit.epochs()} epochs; calls the callbacks' {@code onTrainBegin}. */
  public static TrainingRun start(Model model, Fit fit, int batchesPerEpoch) {
    var run = new TrainingRun(model, fit, batchesPerEpoch);
    for (Callback c : fit.callbacks()) {
      c.onTrainBegin(model);
    }
    return run;
  }

  /** Counts one optimizer step and shows progress ({@code logs}: the epoch's running values). */
  public void afterStep(int epoch, int batchIndex, Map<String, Double> logs) {
    steps++;
    if (progress != null) {
      progress.update(epoch, batchIndex + 1, logs, false);
    }
  }

  /** Counts {@code n} optimizer steps at once (local steps of replicas) and shows progress. */
  public void afterSteps(int epoch, int batchIndex, long n, Map<String, Double> logs) {
    steps += n;
    if (progress != null) {
      progress.update(epoch, batchIndex + 1, logs, false);
    }
  }

  /** Records the epoch's logs and runs the callbacks; true when one of them stops training. */
  public boolean endEpoch(int epoch, Map<String, Double> logs) {
    history.add(logs);
    history.steps(steps);
    if (progress != null) {
      progress.update(epoch, batchesPerEpoch, logs, epoch == fit.epochs() - 1);
    }
    boolean stop = false;
    for (Callback c : fit.callbacks()) {
      stop |= c.onEpochEnd(epoch, logs, model);
    }
    if (stop) {
      history.stop("stopped by a callback after epoch " + (epoch + 1));
    }
    return stop;
  }

  /** Why training ends early (an interrupt: start the reason with "interrupted"). */
  public void stop(String reason) {
    history.stop(reason);
  }

  /** Optimizer steps counted so far. */
  public long steps() {
    return steps;
  }

  /** Ends the run: the callbacks' {@code onTrainEnd}; returns the history. */
  public History finish() {
    if (!finished) {
      finished = true;
      history.steps(steps);
      for (Callback c : fit.callbacks()) {
        c.onTrainEnd(model);
      }
    }
    return history;
  }

  /** The history so far. */
  public History history() {
    return history;
  }
}
