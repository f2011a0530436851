package dev.quiver.runtime.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The CPU worker pool shared by all kernels: a fixed set of daemon threads, one fewer than the
 * thread count because the calling thread always takes part in the work.
 *
 * <p>Why not a {@link java.util.concurrent.ForkJoinPool}: kernels hand out one flat range at a
 * time, which needs no work stealing, and the hand-off cost matters for elementwise ops on small
 * tensors. Here a call publishes one {@code Job}; workers that are awake (they spin briefly after
 * each job, because kernels tend to come in bursts) claim chunks from a shared counter, and parked
 * ones are woken with {@link LockSupport#unpark}. Chunks are claimed dynamically, so a worker that
 * wakes late, or a core shared with another process, only shifts work to the others.
 *
 * <p>Only one job runs on the pool at a time. A call made while the pool is busy (from another
 * thread, or nested inside a body) runs inline on its own thread rather than queueing, which keeps
 * nested kernels deadlock-free.
 *
 * <p>Thread count: {@code Runtime.availableProcessors()}, or the system property {@code
 * quiver.threads} read once at class initialisation.
 */
public final class Parallel {

  /** The work of one chunk: indices {@code from} (inclusive) to {@code to} (exclusive). */
  @FunctionalInterface
  public interface RangeBody {
    void run(long from, long to);
  }

  private static final int THREADS = resolveThreadCount();

  /** How long an idle worker keeps polling for the next job before it parks. */
  private static final long WORKER_SPIN_NANOS = 50_000;

  /** How long the caller polls for the workers' last chunks before it parks. */
  private static final long CALLER_SPIN_NANOS = 20_000;

  /** Chunks per thread: more than one, so that a late or slowed thread can be compensated. */
  private static final int CHUNKS_PER_THREAD = 4;

  private static final AtomicBoolean BUSY = new AtomicBoolean();
  private static volatile Job current;

  /** Numbers the jobs, so that workers can tell a new job from one they already served. */
  private static long jobCount;

  private static final Worker[] WORKERS = startWorkers();

  private Parallel() {}

  /** The number of threads that run a parallel loop, the caller included. */
  public static int threads() {
    return THREADS;
  }

  /**
   * Whether pool threads may read and write {@code segment}: false for a segment of a confined
   * arena, which only its owner thread may touch. Kernels run single-threaded on such memory.
   */
  public static boolean workersCanAccess(MemorySegment segment) {
    return WORKERS.length == 0 || segment.isAccessibleBy(WORKERS[0]);
  }

  /**
   * Runs {@code body} over {@code [start, end)} in chunks of at least {@code grain} indices, spread
   * over the pool and the calling thread, and returns when every chunk is done. The range runs
   * inline, as one call of {@code body}, when it is shorter than two grains, when there is one
   * thread, or when the pool is busy with another job.
   *
   * @throws KernelInterruptedException if the caller is interrupted while the loop runs; the
   *     workers stop at their next chunk boundary (or their next {@link #checkInterrupt}) and the
   *     caller's interrupt flag stays set
   * @throws RuntimeException or {@link Error} thrown by a chunk, rethrown in the caller after all
   *     other chunks have stopped
   */
  public static void parallelFor(long start, long end, long grain, RangeBody body) {
    parallelFor("parallel loop", start, end, grain, body);
  }

  /** As {@link #parallelFor(long, long, long, RangeBody)}, naming the op in an interrupt. */
  public static void parallelFor(String opName, long start, long end, long grain, RangeBody body) {
    if (grain < 1) {
      throw new IllegalArgumentException("parallelFor: grain must be >= 1, got " + grain);
    }
    if (end < start) {
      throw new IllegalArgumentException("parallelFor: end " + end + " is before start " + start);
    }
    long n = end - start;
    if (n == 0) {
      return;
    }
    if (THREADS == 1
        || n / 2 < grain
        || !BUSY.compareAndSet(false, true)) { // n < 2·grain, overflow-safe
      body.run(start, end);
      return;
    }
    try {
      long chunk = Math.max(grain, ceilDiv(n, (long) THREADS * CHUNKS_PER_THREAD));
      var job = new Job(++jobCount, opName, start, end, chunk, body, Thread.currentThread());
      current = job;
      for (Worker w : WORKERS) {
        LockSupport.unpark(w);
      }
      job.work();
      job.awaitAsCaller();
    } finally {
      // Drop the job so that its body, and the tensors the body captured, can be collected.
      current = null;
      BUSY.set(false);
    }
  }

  /**
   * Throws {@link KernelInterruptedException} naming {@code opName} if the current thread has been
   * interrupted (the flag is restored before throwing), or if it is a pool worker whose current job
   * was cancelled. Kernels call this at coarse grain, e.g. once per macro block, so that an
   * interrupt stops even one huge kernel call quickly.
   */
  public static void checkInterrupt(String opName) {
    if (Thread.currentThread() instanceof Worker w) {
      Job job = w.job;
      if (job != null && job.cancelled) {
        throw new KernelInterruptedException(opName);
      }
    } else if (Thread.interrupted()) {
      Thread.currentThread().interrupt();
      throw new KernelInterruptedException(opName);
    }
  }

  /** One parallel loop: its range, the chunks claimed so far and how many indices are done. */
  private static final class Job {
    final long seq;
    final String opName;
    final long end;
    final long total;
    final long chunk;
    final RangeBody body;
    final Thread caller;
    final AtomicLong next;
    final AtomicLong done = new AtomicLong();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    volatile boolean cancelled;

    Job(long seq, String opName, long start, long end, long chunk, RangeBody body, Thread caller) {
      this.seq = seq;
      this.opName = opName;
      this.end = end;
      this.total = end - start;
      this.chunk = chunk;
      this.body = body;
      this.caller = caller;
      this.next = new AtomicLong(start);
    }

    /**
     * Claims and runs chunks until none are left. A claimed chunk is always counted done, also when
     * it is skipped after a failure, so the caller's wait always ends.
     */
    void work() {
      boolean isCaller = Thread.currentThread() == caller;
      long from;
      while ((from = next.getAndAdd(chunk)) < end) {
        long to = Math.min(from + chunk, end);
        if (isCaller && caller.isInterrupted()) {
          cancelled = true;
        }
        if (!cancelled) {
          try {
            body.run(from, to);
          } catch (Throwable t) {
            failure.compareAndSet(null, t);
            cancelled = true;
          }
        }
        if (done.addAndGet(to - from) == total && !isCaller) {
          LockSupport.unpark(caller);
        }
      }
    }

    /**
     * Waits for the workers' chunks; an interrupt cancels the rest but still waits, because a chunk
     * still running may write into memory the caller frees once we return.
     */
    void awaitAsCaller() {
      boolean interrupted = false;
      long spinUntil = System.nanoTime() + CALLER_SPIN_NANOS;
      while (done.get() != total) {
        if (Thread.interrupted()) {
          interrupted = true;
          cancelled = true;
        }
        if (System.nanoTime() < spinUntil) {
          Thread.onSpinWait();
        } else {
          LockSupport.park(this);
        }
      }
      Throwable t = failure.get();
      if (interrupted || t instanceof KernelInterruptedException) {
        Thread.currentThread().interrupt();
      }
      switch (t) {
        case null -> {
          if (interrupted) {
            throw new KernelInterruptedException(opName);
          }
        }
        case RuntimeException e -> throw e;
        case Error e -> throw e;
        default -> throw new IllegalStateException(opName + ": a parallel chunk failed", t);
      }
    }
  }

  /** A pool thread: waits for a job newer than the last one it served, works on it, repeats. */
  private static final class Worker extends Thread {
    /** The job being served, read by {@link #checkInterrupt} to see a cancellation. */
    volatile Job job;

    Worker(int index) {
      super("quiver-cpu-" + index);
      setDaemon(true);
    }

    @Override
    public void run() {
      long lastSeq = 0;
      while (true) {
        Job j = awaitJobAfter(lastSeq);
        lastSeq = j.seq;
        job = j;
        j.work();
        job = null;
      }
    }

    private static Job awaitJobAfter(long lastSeq) {
      long spinUntil = System.nanoTime() + WORKER_SPIN_NANOS;
      while (true) {
        Job j = current;
        if (j != null && j.seq > lastSeq) {
          return j;
        }
        if (System.nanoTime() < spinUntil) {
          Thread.onSpinWait();
        } else {
          // Interrupts of a pool thread mean nothing; clear one so park really parks.
          Thread.interrupted();
          LockSupport.park(Parallel.class);
        }
      }
    }
  }

  private static Worker[] startWorkers() {
    var workers = new Worker[THREADS - 1];
    for (int i = 0; i < workers.length; i++) {
      workers[i] = new Worker(i + 1);
      workers[i].start();
    }
    return workers;
  }

  private static int resolveThreadCount() {
    String prop = System.getProperty("quiver.threads");
    if (prop == null || prop.isBlank()) {
      return Math.max(1, Runtime.getRuntime().availableProcessors());
    }
    try {
      int n = Integer.parseInt(prop.strip());
      if (n < 1) {
        throw new IllegalArgumentException("quiver.threads must be >= 1, got " + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "quiver.threads must be an integer, got '" + prop + "'", e);
    }
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}
