package dev.quiver.dsl.train;

import dev.quiver.dsl.Model;
import dev.quiver.dsl.Sequential;
import dev.quiver.dsl.data.Dataset;
import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.metrics.Metric;
import dev.quiver.dsl.optim.Adam;
import dev.quiver.runtime.Tensor;
import java.util.Map;

/**
 * Warms the training path of a fresh cell JVM in the background: the kernel's cell JVM runs {@link
 * #run(Runnable)} on a daemon thread of its own ({@code -Dquiver.cell.warmUp} in the cell JVM's
 * flags; {@code QUIVER_WARMUP=0} in the kernel's environment turns it off), while the kernel is
 * idle (the user reads or types), so that the JIT has compiled much of what a first {@code fit}
 * runs before the user's first fit does.
 *
 * <p>Why: a notebook's first fit is mostly the JIT's work (C1 and C2 compiling the layers,
 * autograd, the optimizer and the kernels), which JDK 25's AOT cache cannot store; see
 * docs/kernel.md.
 *
 * <p>What it touches: nothing a user can see. A throwaway model of the README's Iris shape is
 * trained quietly on made-up data, then a wider one (the vector kernels a larger model runs), every
 * random draw from its own seed (never the global generator of {@code Tensor.manualSeed}), with no
 * display, no output, no names or variables in the user's shell. It gives way to the user's cells:
 * it runs only while the kernel neither compiles nor runs one, and checks every two steps. The
 * JIT's compiler threads may finish compiling what it asked for while a cell starts; that is the
 * code the user's fit then runs. Its tensors are the GC's: {@code Memory.peakBytes()} may count its
 * few kilobytes.
 */
public final class TrainingWarmUp {
  /**
   * Fits of the throwaway model: the first compiles most of the path, the next ones finish C2's.
   */
  static final int ROUNDS = 3;

  // Each round is 800 steps, as a 100-epoch fit of the README's Iris cell (120 rows, batch 16).
  private static final int ROWS = 24, EPOCHS = 400;

  /**
   * Fits of a wider throwaway model after the Iris rounds. Why: tiny operands (the Iris model's)
   * run as plain loops without the Vector API (runtime's TinyGemm, F32Vectors.TINY), so the Iris
   * rounds no longer compile the vector kernels that a larger model (an MNIST-sized MLP) runs;
   * these rounds do, so a first larger fit does not pay their compile either.
   */
  static final int WIDE_ROUNDS = 2;

  // 64 rows of 96 features, batch 32 (two steps an epoch, as the Iris rounds' checks): operands of
  // 3 072 floats and products of 393 216 multiply-adds, well past the tiny paths' limits.
  private static final int WIDE_ROWS = 64, WIDE_FEATURES = 96, WIDE_EPOCHS = 200;

  private TrainingWarmUp() {}

  /**
   * Trains the throwaway models (see {@link #run(Runnable)}); never throws (a warm-up is optional).
   */
  public static void run() {
    run(ROUNDS, () -> {});
  }

  /**
   * Trains the throwaway Iris-shaped model {@link #ROUNDS} times and the wider one {@link
   * #WIDE_ROUNDS} times, calling {@code awaitIdle} before each round and after each epoch (the cell
   * JVM's agent passes one that waits while the kernel compiles or runs a cell), so that a user's
   * cell shares the CPU with it for no longer than one epoch of the warm-up (2 steps of the
   * 4-10-8-3 model); never throws (a warm-up is optional).
   */
  public static void run(Runnable awaitIdle) {
    run(ROUNDS, awaitIdle);
  }

  static void run(int rounds, Runnable awaitIdle) {
    try {
      awaitIdle.run();
      var pauses =
          new Callback() {
            @Override
            public boolean onEpochEnd(int epoch, Map<String, Double> logs, Model m) {
              awaitIdle.run();
              return Thread.currentThread().isInterrupted();
            }
          };
      // 24 rows: epochs of two batches, 16 and 8 rows (the README's 120 Iris rows end on 8), so
      // that it checks for a running cell every two steps.
      fitRounds(
          Sequential.of(Dense.of(10).relu(), Dense.of(8).relu(), Dense.of(3).softmax())
              .input(4)
              .seed(0x5eed),
          madeUpRows(ROWS, 4, 3),
          Fit.epochs(EPOCHS)
              .batch(16)
              .optimizer(Adam.lr(0.01))
              .loss(Loss.crossEntropy())
              .metrics(Metric.accuracy())
              .callbacks(pauses)
              .quiet(),
          rounds,
          awaitIdle);
      fitRounds(
          Sequential.of(Dense.of(128).relu(), Dense.of(10)).input(WIDE_FEATURES).seed(0x5eed),
          madeUpRows(WIDE_ROWS, WIDE_FEATURES, 10),
          Fit.epochs(WIDE_EPOCHS)
              .batch(32)
              .optimizer(Adam.lr(0.001))
              .loss(Loss.crossEntropy())
              .callbacks(pauses)
              .quiet(),
          Math.min(rounds, WIDE_ROUNDS),
          awaitIdle);
    } catch (RuntimeException | LinkageError e) {
      // Nothing to report: without the warm-up the user's first fit is only slower.
    }
  }

  /** Rows of normal noise from the warm-up's own seed, labelled by turns with each class. */
  private static Dataset madeUpRows(int rows, int features, int classes) {
    int[] labels = new int[rows];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % classes;
    }
    return Dataset.of(Tensor.randn(new long[] {rows, features}, 0x5eed), Tensor.ofInts(labels));
  }

  /**
   * Fits and evaluates {@code model} {@code rounds} times, waiting for an idle kernel before each.
   */
  private static void fitRounds(
      Model model, Dataset data, Fit fit, int rounds, Runnable awaitIdle) {
    for (int round = 0; round < rounds && !Thread.currentThread().isInterrupted(); round++) {
      awaitIdle.run();
      model.fit(data, fit);
      awaitIdle.run();
      model.evaluate(data);
    }
  }
}
