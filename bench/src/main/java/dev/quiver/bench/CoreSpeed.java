package dev.quiver.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * A speedometer of the core a benchmark runs on: the thread CPU time of a fixed, throughput-bound
 * integer loop (eight independent chains, nothing in memory), run between samples and reported
 * beside the figures as {@code core_us}.
 *
 * <p>Why: the build machine is a virtual machine whose core delivers two speeds. Over seconds at a
 * time this loop takes about 100 us, then 150-230 us, while a dependent chain (one instruction at a
 * time) keeps its speed and nothing in the JVM changes: the signature of another thread sharing the
 * physical core (a hyperthread sibling outside the VM). A training step is throughput-bound code
 * and slows by the same factor at the same moments. With {@code core_us} beside a slow JVM's
 * figure, a reader can tell the machine from the code.
 */
final class CoreSpeed {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final int ITERATIONS = 50_000;
  private static long sink;
  private static boolean warm;

  private CoreSpeed() {}

  /** Microseconds of this thread's CPU time for one run of the loop (compiled before the first). */
  static double micros() {
    if (!warm) {
      for (int i = 0; i < 3_000; i++) {
        sink += chains(ITERATIONS / 10);
      }
      warm = true;
    }
    long c0 = THREADS.getCurrentThreadCpuTime();
    sink += chains(ITERATIONS);
    return (THREADS.getCurrentThreadCpuTime() - c0) / 1e3;
  }

  private static long chains(int n) {
    long a = sink | 1;
    long b = a + 1;
    long c = a + 2;
    long d = a + 3;
    long e = a + 4;
    long f = a + 5;
    long g = a + 6;
    long h = a + 7;
    for (int i = 0; i < n; i++) {
      a = a * 0x9E3779B97F4A7C15L + i;
      b = b * 0x9E3779B97F4A7C15L + i;
      c = c * 0x9E3779B97F4A7C15L + i;
      d = d * 0x9E3779B97F4A7C15L + i;
      e = (e ^ (e >>> 7)) + i;
      f = (f ^ (f << 9)) + i;
      g = (g ^ (g >>> 11)) + i;
      h = (h ^ (h << 13)) + i;
    }
    return a ^ b ^ c ^ d ^ e ^ f ^ g ^ h;
  }
}
