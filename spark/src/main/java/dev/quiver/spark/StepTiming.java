package dev.quiver.spark;

import java.util.Locale;

/**
 * Where the time of a distributed fit went, summed over its synchronizations: the whole Spark job
 * as the driver waited for it, the longest partition's compute inside it (forward, backward and, in
 * local SGD, the local updates), and the driver's update after it. Synchronization is the job less
 * the compute: scheduling the tasks, broadcasting the weights, aggregating the results.
 */
public final class StepTiming {
  private long syncs;
  private long steps;
  private long jobNanos;
  private long computeNanos;
  private long updateNanos;

  /** One job of {@code localSteps} optimizer steps, synchronized {@code syncCount} times. */
  synchronized void add(long job, long compute, long update, int localSteps, int syncCount) {
    syncs += syncCount;
    steps += localSteps;
    jobNanos += job;
    computeNanos += Math.min(compute, job);
    updateNanos += update;
  }

  public synchronized long synchronizations() {
    return syncs;
  }

  /** Mean milliseconds per synchronization of the whole job plus the driver's update. */
  public synchronized double stepMillis() {
    return syncs == 0 ? 0 : (jobNanos + updateNanos) / 1e6 / syncs;
  }

  /** Mean milliseconds per synchronization of the longest partition's compute. */
  public synchronized double computeMillis() {
    return syncs == 0 ? 0 : computeNanos / 1e6 / syncs;
  }

  /**
   * Mean milliseconds per synchronization spent outside compute: the job's overhead and the update.
   */
  public synchronized double syncMillis() {
    return stepMillis() - computeMillis();
  }

  /** Optimizer steps per second of wall time (local steps count once per replica's step). */
  public synchronized double stepsPerSecond() {
    double seconds = (jobNanos + updateNanos) / 1e9;
    return seconds == 0 ? 0 : steps / seconds;
  }

  @Override
  public synchronized String toString() {
    return String.format(
        Locale.ROOT,
        "%d synchronizations: %.2f ms each = %.2f ms compute + %.2f ms synchronization; %.1f steps/s",
        syncs,
        stepMillis(),
        computeMillis(),
        syncMillis(),
        stepsPerSecond());
  }
}
