package dev.quiver.bench;

import java.util.Arrays;

/**
 * Median-of-repeats timing with a warm-up, so the JIT has compiled the hot path before we measure.
 */
final class Timing {
  private Timing() {}

  @FunctionalInterface
  interface Body {
    void run() throws Exception;
  }

  /**
   * Median seconds per call over {@code repeats} batches of {@code inner} calls, after {@code
   * warmupSeconds}.
   */
  static double secondsPerCall(Body body, int inner, int repeats, double warmupSeconds)
      throws Exception {
    long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
    do {
      body.run();
    } while (System.nanoTime() < warmEnd);
    double[] samples = new double[repeats];
    double[] cpu = new double[repeats];
    for (int r = 0; r < repeats; r++) {
      long c0 = processCpuNanos();
      long t0 = System.nanoTime();
      for (int i = 0; i < inner; i++) {
        body.run();
      }
      samples[r] = (System.nanoTime() - t0) / 1e9 / inner;
      cpu[r] = (processCpuNanos() - c0) / 1e9 / inner;
    }
    lastCpuSeconds = median(cpu);
    return median(samples);
  }

  /**
   * Warms up until the JIT has settled: runs rounds of {@code inner} calls until the best round
   * time has not improved by more than 3% for eight rounds (at most {@code maxSeconds}), then
   * measures as {@link #secondsPerCall}. A training step touches a lot of code; on two busy cores
   * its compilation takes several seconds, and a fixed short warm-up measured it half compiled.
   */
  static double settledSecondsPerCall(
      Body body, int inner, int repeats, double minSeconds, double maxSeconds) throws Exception {
    return settledSecondsPerCall(body, inner, inner, repeats, minSeconds, maxSeconds);
  }

  /**
   * As {@link #settledSecondsPerCall(Body, int, int, double, double)}, with warm-up rounds of
   * {@code warmInner} calls and samples of {@code inner}: short rounds tell sooner that the JIT has
   * settled, long samples average over the collections a sample spans.
   */
  static double settledSecondsPerCall(
      Body body, int warmInner, int inner, int repeats, double minSeconds, double maxSeconds)
      throws Exception {
    long start = System.nanoTime();
    long end = start + (long) (maxSeconds * 1e9);
    long min = start + (long) (minSeconds * 1e9);
    double best = Double.MAX_VALUE;
    int stale = 0;
    while ((stale < 8 || System.nanoTime() < min) && System.nanoTime() < end) {
      long t0 = System.nanoTime();
      for (int i = 0; i < warmInner; i++) {
        body.run();
      }
      double round = (System.nanoTime() - t0) / 1e9;
      if (round < best * 0.97) {
        best = round;
        stale = 0;
      } else {
        stale++;
      }
    }
    return secondsPerCall(body, inner, repeats, 0);
  }

  /**
   * CPU seconds per call of the last measurement, all threads of the process (GC and the memory
   * reclaimer included). On a shared, loaded machine wall time is inflated by waiting for a core;
   * this is the work done, and is reported next to it.
   */
  static double lastCpuSeconds = Double.NaN;

  static long processCpuNanos() {
    var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean s ? s.getProcessCpuTime() : 0;
  }

  /**
   * For bodies of unknown cost (a matmul takes milliseconds or seconds): times one call, warms up
   * for about a second (at least two calls), then takes {@code repeats} samples of at least 0.2 s
   * each (3 samples when one call takes over a second).
   */
  static double adaptive(Body body, int repeats) throws Exception {
    long t0 = System.nanoTime();
    body.run();
    double first = (System.nanoTime() - t0) / 1e9;
    double warm = Math.min(1.0, Math.max(first, 0.05));
    long warmEnd = System.nanoTime() + (long) (warm * 1e9);
    long calls = 0;
    long w0 = System.nanoTime();
    do {
      body.run();
      calls++;
    } while (System.nanoTime() < warmEnd || calls < 1);
    double est = (System.nanoTime() - w0) / 1e9 / calls;
    int inner = (int) Math.max(1, Math.ceil(0.2 / est));
    int reps = repeats > 0 ? repeats : est > 1 ? 3 : 7;
    return secondsPerCall(body, inner, reps, 0);
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
  }
}
