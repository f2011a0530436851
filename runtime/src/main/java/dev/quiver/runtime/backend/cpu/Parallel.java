package dev.quiver.runtime.backend.cpu;

/** Placeholder until the worker pool lands: runs everything on the calling thread. */
public final class Parallel {
  private Parallel() {}

  @FunctionalInterface
  public interface RangeBody {
    void run(long from, long to);
  }

  public static int threads() {
    return 1;
  }

  public static void parallelFor(long start, long end, long grain, RangeBody body) {
    body.run(start, end);
  }

  public static void checkInterrupt(String op) {
    if (Thread.interrupted()) {
      Thread.currentThread().interrupt();
      throw new KernelInterruptedException("interrupted during " + op);
    }
  }
}
