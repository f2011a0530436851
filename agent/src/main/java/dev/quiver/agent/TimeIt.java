package dev.quiver.agent;

import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code %timeit}: runs a snippet in a loop in the cell JVM, so compiling it is not what is timed.
 */
public final class TimeIt {

  private TimeIt() {}

  /** Prints "mean ± std per loop (of R runs, N loops each)", as IPython does. */
  public static void measure(Callable<?> body) throws Exception {
    body.call(); // warm up once
    long loops = 1;
    while (true) { // loops per run: at least 0.2 s
      long t = time(body, loops);
      if (t >= 200_000_000L || loops >= 1_000_000_000L) {
        break;
      }
      loops *= t < 20_000_000L ? 10 : 2;
    }
    int runs = 5;
    double[] perLoop = new double[runs];
    for (int r = 0; r < runs; r++) {
      perLoop[r] = (double) time(body, loops) / loops;
    }
    double mean = 0;
    for (double v : perLoop) {
      mean += v / runs;
    }
    double var = 0;
    for (double v : perLoop) {
      var += (v - mean) * (v - mean) / runs;
    }
    System.out.println(
        format(mean)
            + " \u00b1 "
            + format(Math.sqrt(var))
            + " per loop (mean \u00b1 std. dev. of "
            + runs
            + " runs, "
            + loops
            + " loop"
            + (loops == 1 ? "" : "s")
            + " each)");
  }

  private static long time(Callable<?> body, long loops) throws Exception {
    Object sink = null;
    long t0 = System.nanoTime();
    for (long i = 0; i < loops; i++) {
      sink = body.call();
      if (Thread.interrupted()) {
        throw new InterruptedException("%timeit interrupted");
      }
    }
    long t = System.nanoTime() - t0;
    if (sink == TimeIt.class) {
      System.out.print(""); // keeps the result alive
    }
    return t;
  }

  static String format(double nanos) {
    if (nanos < 1_000) {
      return String.format(Locale.ROOT, "%.3g ns", nanos);
    }
    if (nanos < 1_000_000) {
      return String.format(Locale.ROOT, "%.3g \u00b5s", nanos / 1e3);
    }
    if (nanos < 1_000_000_000) {
      return String.format(Locale.ROOT, "%.3g ms", nanos / 1e6);
    }
    return String.format(Locale.ROOT, "%.3g s", nanos / 1e9);
  }
}
