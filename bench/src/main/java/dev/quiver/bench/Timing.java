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
   * Seconds per call, the lower decile ({@link #FIGURE_QUANTILE}) of rounds of {@code inner} calls
   * or more, after {@code warmupSeconds}: at least {@code repeats} rounds, more where that makes
   * the rounds last {@link #MEASURE_SECONDS} in all ({@link #plan}); their median in {@link
   * #lastMedianSeconds}. Before each round the core's speedometer ({@link CoreSpeed}), after it the
   * peer's turn ({@link #between}); every round is kept ({@link #lastSamples}, {@link #lastCores})
   * for the JSON's raw rounds.
   */
  static double secondsPerCall(Body body, int inner, int repeats, double warmupSeconds)
      throws Exception {
    CoreSpeed.micros(); // compiled now, not between the samples
    long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
    do {
      body.run();
    } while (System.nanoTime() < warmEnd);
    Plan plan = plan(body, inner, repeats);
    int rounds = plan.rounds();
    double[] samples = new double[rounds];
    double[] cpu = new double[rounds];
    double[] core = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      core[r] = CoreSpeed.micros();
      long c0 = processCpuNanos();
      long t0 = System.nanoTime();
      for (int i = 0; i < plan.calls(); i++) {
        body.run();
      }
      samples[r] = (System.nanoTime() - t0) / 1e9 / plan.calls();
      cpu[r] = (processCpuNanos() - c0) / 1e9 / plan.calls();
      if (between != null) {
        between.run();
      }
    }
    lastCpuSeconds = median(cpu);
    lastCoreMicros = median(core);
    lastSamples = samples;
    lastCpus = cpu;
    lastCores = core;
    lastMedianSeconds = median(samples);
    return quantile(samples, FIGURE_QUANTILE);
  }

  /**
   * The shortest round, in seconds. The build machine is a virtual machine whose core changes speed
   * over seconds ({@link CoreSpeed}: a hardware thread outside the VM shares it at times, and the
   * other engineers' processes share the two cores). Rounds back to back inside one period all saw
   * its speed, so one JVM's median was that period's (Iris 22 or 35 us a step in the same build on
   * the Xeon). Many short rounds spread over several seconds, alternating with the peer's rounds
   * and the speedometer, give each JVM its typical speed, and the peer the same machine.
   */
  static final double ROUND_SECONDS = 0.1;

  /**
   * Quiver's rounds last at least this long in all (the peer's as long again between them). Why 5
   * s: in 3 JVMs of 200 Iris rounds each (load 5-6), every JVM moved between a fast plateau (18-20
   * us) and a slow one (22-35) many times, in runs of up to 13 slow rounds; the decile of 30
   * consecutive rounds anywhere in them ranged 1.15x, of 50 rounds 1.10x (their medians 1.52x and
   * 1.44x). With 3 s, one JVM in five still caught no fast round at load 9 (docs/benchmarks.md).
   */
  static final double MEASURE_SECONDS = 5.0;

  /**
   * Which of the rounds is a JVM's figure: the lower decile (about the third fastest of 30). Why
   * not the median: on the build machine the same code's rounds in one JVM differ by 1.2-4x
   * (p90/p10 of 0.1 s rounds) as other processes and a hardware thread outside the VM share the
   * core, in periods of tenths of a second to seconds, and which periods a JVM's rounds fell into
   * made its median differ from the next JVM's by up to 1.8x, while the fastest rounds of every JVM
   * agreed within 1.1-1.3x (docs/benchmarks.md, "Stable figures"). Interference only ever adds
   * time, so the fast rounds are the code's speed on an undisturbed core; the decile rather than
   * the single fastest round keeps one lucky round from being the figure. The peer's figure is
   * taken the same way ({@code bench/python/peer.py}), and the median stays in each row ({@code
   * _median}) with every round ({@code _rounds}).
   */
  static final double FIGURE_QUANTILE = 0.1;

  /** At most this many rounds, whatever {@link #MEASURE_SECONDS} asks. */
  static final int MAX_ROUNDS = 61;

  /** Calls per round and rounds per measurement. */
  record Plan(int calls, int rounds) {}

  /**
   * Times one batch of {@code inner} calls (which then counts as warm-up): a round is {@code inner}
   * calls, or the multiple of it that lasts {@link #ROUND_SECONDS}; there are at least {@code
   * repeats} rounds, more (up to {@link #MAX_ROUNDS}) until they last {@link #MEASURE_SECONDS}.
   */
  static Plan plan(Body body, int inner, int repeats) throws Exception {
    long t0 = System.nanoTime();
    for (int i = 0; i < inner; i++) {
      body.run();
    }
    double batch = Math.max((System.nanoTime() - t0) / 1e9, 1e-9);
    int calls =
        batch >= ROUND_SECONDS
            ? inner
            : (int)
                Math.min(Integer.MAX_VALUE, (long) inner * (long) Math.ceil(ROUND_SECONDS / batch));
    double round = batch / inner * calls;
    int rounds = (int) Math.max(repeats, Math.min(MAX_ROUNDS, Math.ceil(MEASURE_SECONDS / round)));
    return new Plan(calls, rounds);
  }

  /**
   * Warms up until the JIT has settled: runs rounds of {@code inner} calls until the best round
   * time has not improved by more than 3% for eight rounds and the JIT compiled for less than
   * {@value #QUIET_JIT_MS} ms in the last second (at least {@code minSeconds}, at most {@code
   * maxSeconds}), then measures as {@link #secondsPerCall}. A training step touches a lot of code;
   * on two busy cores its compilation takes several seconds, and a fixed short warm-up measured it
   * half compiled. The round times alone did not tell: C2 went on compiling the training path 8-12
   * s into a JVM while the best round had long stopped improving.
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
    CoreSpeed.micros(); // compiled during the warm-up, not between the samples
    long start = System.nanoTime();
    long end = start + (long) (maxSeconds * 1e9);
    long min = start + (long) (minSeconds * 1e9);
    double best = Double.MAX_VALUE;
    int stale = 0;
    var jit = java.lang.management.ManagementFactory.getCompilationMXBean();
    long markTime = start;
    long markCompileMs = jit.getTotalCompilationTime();
    boolean jitQuiet = false;
    while ((stale < 8 || !jitQuiet || System.nanoTime() < min) && System.nanoTime() < end) {
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
      long now = System.nanoTime();
      if (now - markTime >= 1_000_000_000L) {
        long compileMs = jit.getTotalCompilationTime();
        jitQuiet = compileMs - markCompileMs < QUIET_JIT_MS;
        markTime = now;
        markCompileMs = compileMs;
      }
    }
    lastWarmupSeconds = (System.nanoTime() - start) / 1e9;
    return secondsPerCall(body, inner, repeats, 0);
  }

  /**
   * Run after each measured round when set: the peer's next turn ({@link PairedPeer}), so that
   * Quiver's rounds and the peer's alternate.
   */
  static Body between;

  /** The last measurement's rounds: seconds per call of each, in the order they ran. */
  static double[] lastSamples = new double[0];

  /** The last measurement's rounds: the process's CPU seconds per call of each (all threads). */
  static double[] lastCpus = new double[0];

  /** {@link CoreSpeed#micros()} before each of the last measurement's rounds. */
  static double[] lastCores = new double[0];

  /** {@code xs} times {@code scale}, rounded to 4 significant digits: a row's raw rounds. */
  static java.util.List<Double> rounds(double[] xs, double scale) {
    java.util.List<Double> out = new java.util.ArrayList<>();
    for (double x : xs) {
      out.add(Double.parseDouble(String.format(java.util.Locale.ROOT, "%.4g", x * scale)));
    }
    return out;
  }

  /** The median of the last measurement's rounds, seconds per call (a row's {@code _median}). */
  static double lastMedianSeconds = Double.NaN;

  /** {@link CoreSpeed#micros()} between the samples of the last measurement, median. */
  static double lastCoreMicros = Double.NaN;

  /**
   * Seconds the last {@link #settledSecondsPerCall} warmed up for (the JSON's {@code warmup_s}).
   */
  static double lastWarmupSeconds = Double.NaN;

  /** Compilation time per second below which the JIT counts as done with the benchmark. */
  static final long QUIET_JIT_MS = 20;

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

  /** The {@code q} quantile of {@code xs}, interpolated between the two nearest values. */
  static double quantile(double[] xs, double q) {
    double[] s = xs.clone();
    Arrays.sort(s);
    double at = q * (s.length - 1);
    int lo = (int) Math.floor(at);
    int hi = Math.min(lo + 1, s.length - 1);
    return s[lo] + (s[hi] - s[lo]) * (at - lo);
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
  }
}
