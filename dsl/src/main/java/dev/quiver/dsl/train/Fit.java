package dev.quiver.dsl.train;

import dev.quiver.dsl.data.Dataset;
import dev.quiver.dsl.data.Loader;
import dev.quiver.dsl.data.Transform;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.loss.Penalty;
import dev.quiver.dsl.metrics.Metric;
import dev.quiver.dsl.optim.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The options of {@code model.fit}: immutable, each method returns a changed copy.
 *
 * <pre>{@code
 * Fit.epochs(100).batch(16).optimizer(Adam.lr(0.01)).loss(Loss.crossEntropy())
 *    .metrics(Metric.accuracy()).validationSplit(0.2).callbacks(EarlyStopping.patience(10))
 * }</pre>
 *
 * @param epochs passes over the training data
 * @param batchSize rows per step; {@link #fullBatch()} uses all rows (plain gradient descent)
 * @param optimizer the update rule (required)
 * @param loss the objective (required)
 * @param metrics reported per epoch, on the training and the validation data
 * @param validation data to validate on after each epoch, or null
 * @param validationSplit fraction of the training data held out for validation (seeded), or 0
 * @param seed seed of the shuffling (and the validation split)
 * @param shuffle whether batches are drawn in a new random order every epoch
 * @param penalty an L1/L2 term on the weight matrices, or null
 * @param callbacks called after each epoch (early stopping, best weights)
 * @param verbose whether progress is shown through the display
 * @param augment a transform of the training images, applied to each batch as it is loaded (on a
 *     background thread, see {@link Loader}), or null
 */
public record Fit(
    int epochs,
    int batchSize,
    Optimizer optimizer,
    Loss loss,
    List<Metric> metrics,
    Dataset validation,
    double validationSplit,
    long seed,
    boolean shuffle,
    Penalty penalty,
    List<Callback> callbacks,
    boolean verbose,
    Transform augment) {

  /** Batch size meaning "the whole data set in one step". */
  public static final int FULL_BATCH = Integer.MAX_VALUE;

  public Fit {
    if (epochs <= 0) {
      throw new IllegalArgumentException("Fit: epochs must be positive, got " + epochs);
    }
    if (batchSize <= 0) {
      throw new IllegalArgumentException("Fit: batch size must be positive, got " + batchSize);
    }
    if (!(validationSplit >= 0 && validationSplit < 1)) {
      throw new IllegalArgumentException(
          "Fit: validation split must be in [0, 1), got " + validationSplit);
    }
    metrics = List.copyOf(metrics);
    callbacks = List.copyOf(callbacks);
  }

  /**
   * Starts a configuration: {@code epochs} passes, batches of 32, shuffled with seed 0, progress
   * shown.
   */
  public static Fit epochs(int epochs) {
    return new Fit(
        epochs, 32, null, null, List.of(), null, 0, 0, true, null, List.of(), true, null);
  }

  public Fit batch(int size) {
    return with(d -> d.batchSize = size);
  }

  /** Every step sees all rows: batch gradient descent, as in the textbook examples. */
  public Fit fullBatch() {
    return batch(FULL_BATCH);
  }

  public Fit optimizer(Optimizer o) {
    return with(d -> d.optimizer = o);
  }

  public Fit loss(Loss l) {
    return with(d -> d.loss = l);
  }

  public Fit metrics(Metric... m) {
    return with(d -> d.metrics = List.of(m));
  }

  public Fit validation(Dataset v) {
    return with(d -> d.validation = v);
  }

  public Fit validationSplit(double fraction) {
    return with(d -> d.validationSplit = fraction);
  }

  public Fit seed(long s) {
    return with(d -> d.seed = s);
  }

  /** Batches in the data set's order every epoch. */
  public Fit noShuffle() {
    return with(d -> d.shuffle = false);
  }

  public Fit penalty(Penalty p) {
    return with(d -> d.penalty = p);
  }

  public Fit callbacks(Callback... c) {
    var all = new ArrayList<>(callbacks);
    all.addAll(List.of(c));
    return with(d -> d.callbacks = all);
  }

  /** No progress output. */
  public Fit quiet() {
    return with(d -> d.verbose = false);
  }

  /**
   * Transforms every training batch's images as it is loaded (random crops and flips, see {@link
   * dev.quiver.dsl.data.Transforms}), with a new random draw each epoch; validation and test data
   * are not transformed.
   */
  public Fit augment(Transform t) {
    return with(d -> d.augment = t);
  }

  /** A copy with {@code change} applied; the compact constructor checks the result. */
  private Fit with(Consumer<Draft> change) {
    var d = new Draft(this);
    change.accept(d);
    return new Fit(
        d.epochs,
        d.batchSize,
        d.optimizer,
        d.loss,
        d.metrics,
        d.validation,
        d.validationSplit,
        d.seed,
        d.shuffle,
        d.penalty,
        d.callbacks,
        d.verbose,
        d.augment);
  }

  /** The components of a Fit being changed: one place that lists them all for the copies. */
  private static final class Draft {
    int epochs;
    int batchSize;
    Optimizer optimizer;
    Loss loss;
    List<Metric> metrics;
    Dataset validation;
    double validationSplit;
    long seed;
    boolean shuffle;
    Penalty penalty;
    List<Callback> callbacks;
    boolean verbose;
    Transform augment;

    Draft(Fit f) {
      epochs = f.epochs;
      batchSize = f.batchSize;
      optimizer = f.optimizer;
      loss = f.loss;
      metrics = f.metrics;
      validation = f.validation;
      validationSplit = f.validationSplit;
      seed = f.seed;
      shuffle = f.shuffle;
      penalty = f.penalty;
      callbacks = f.callbacks;
      verbose = f.verbose;
      augment = f.augment;
    }
  }
}
