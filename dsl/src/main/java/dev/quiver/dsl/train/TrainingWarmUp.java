package dev.quiver.dsl.train;

import dev.quiver.dsl.Sequential;
import dev.quiver.dsl.data.Dataset;
import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.metrics.Metric;
import dev.quiver.dsl.optim.Adam;
import dev.quiver.runtime.Tensor;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Warms the training path of a fresh cell JVM in the background: the kernel's cell JVM runs {@link
 * #run} on a daemon thread of its own right after it starts ({@code -Dquiver.cell.warmUp} in the
 * cell JVM's flags; only with {@code QUIVER_WARMUP=1} in the kernel's environment for now), so that
 * the JIT has compiled much of what a first {@code fit} runs before the user's first fit does.
 *
 * <p>Why: a notebook's first fit is mostly the JIT's work (C1 and C2 compiling the layers,
 * autograd, the optimizer and the kernels), which JDK 25's AOT cache cannot store; see
 * docs/kernel.md.
 *
 * <p>What it touches: nothing a user can see. A throwaway model of the README's Iris shape is
 * trained quietly on made-up data, every random draw from its own seed (never the global generator
 * of {@code Tensor.manualSeed}), with no display, no output, no names or variables in the user's
 * shell. Its thread runs at the lowest scheduling priority (nice 19 on Linux), so the user's cells
 * take the CPU before it whenever they want it; the JIT's compiler threads, which it keeps busy,
 * run at normal priority, and what they compile is the code the user's fit then runs. Its tensors
 * are the GC's: {@code Memory.peakBytes()} may count its few kilobytes.
 */
public final class TrainingWarmUp {
  /**
   * Fits of the throwaway model: the first compiles most of the path, the next ones finish C2's.
   */
  static final int ROUNDS = 3;

  private TrainingWarmUp() {}

  /** Trains the throwaway model {@link #ROUNDS} times; never throws (a warm-up is optional). */
  public static void run() {
    run(ROUNDS);
  }

  static void run(int rounds) {
    try {
      lowerPriority();
      var x = Tensor.randn(new long[] {120, 4}, 0x5eed);
      int[] labels = new int[120];
      for (int i = 0; i < labels.length; i++) {
        labels[i] = i % 3;
      }
      var data = Dataset.of(x, Tensor.ofInts(labels));
      var model =
          Sequential.of(Dense.of(10).relu(), Dense.of(8).relu(), Dense.of(3).softmax())
              .input(4)
              .seed(0x5eed);
      for (int round = 0; round < rounds && !Thread.currentThread().isInterrupted(); round++) {
        model.fit(
            data,
            Fit.epochs(100)
                .batch(16)
                .optimizer(Adam.lr(0.01))
                .loss(Loss.crossEntropy())
                .metrics(Metric.accuracy())
                .quiet());
        model.evaluate(data);
      }
    } catch (RuntimeException | LinkageError e) {
      // Nothing to report: without the warm-up the user's first fit is only slower.
    }
  }

  /**
   * nice 19 for the calling thread (Linux: {@code setpriority} on its thread id). Java's thread
   * priorities do nothing on Linux, so this is the way to let every other thread go first.
   */
  private static void lowerPriority() {
    try {
      var self = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString(); // "pid/task/tid"
      int tid = Integer.parseInt(self.substring(self.lastIndexOf('/') + 1));
      var linker = Linker.nativeLinker();
      var setpriority =
          linker.downcallHandle(
              linker.defaultLookup().find("setpriority").orElseThrow(),
              FunctionDescriptor.of(
                  ValueLayout.JAVA_INT,
                  ValueLayout.JAVA_INT,
                  ValueLayout.JAVA_INT,
                  ValueLayout.JAVA_INT));
      int ignored = (int) setpriority.invokeExact(0 /* PRIO_PROCESS */, tid, 19);
    } catch (Throwable e) {
      // Not Linux, or no native access: the thread keeps its priority.
    }
  }
}
