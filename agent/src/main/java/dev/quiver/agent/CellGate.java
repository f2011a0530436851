package dev.quiver.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * When the cell JVM's background warm-up ({@link Agent}'s {@code quiver.cell.warmUp}) may run: only
 * while the kernel is idle, that is while no cell's code runs here and the kernel's process (this
 * JVM's parent: it compiles each cell before this JVM runs it) is not working either. The warm-up
 * calls {@link #awaitIdle} between its steps, so it gives way to a cell within a step or two and
 * about {@value #SAMPLE_MS} ms of the kernel starting to work on it, and goes on only once the
 * kernel has been idle for {@value #QUIET_MS} ms, counted from the end of the last cell: a client
 * sending cells one after the other (a test, a benchmark, "run all") leaves it shorter gaps than
 * that, a user reading or typing longer ones.
 *
 * <p>Why the parent's CPU time: a cell reaches this JVM only after the kernel has compiled it
 * (hundreds of milliseconds for a first cell), and nothing tells this JVM that a cell is on its way
 * before that. Where there is no {@code /proc} (not Linux), only cells running here count.
 *
 * <p>Where the warm-up's thread runs at the least priority ({@link BackgroundPriority}), the
 * kernel's work no longer closes the gate ({@link #ignoreKernel}): the scheduler then gives the
 * warm-up only a core the kernel leaves idle, which is how it gets to run at all while a notebook's
 * first cells come one after the other (the kernel compiling them on about one core of two).
 */
final class CellGate {

  /** How often the kernel's CPU time is sampled while the warm-up runs or waits, in ms. */
  static final int SAMPLE_MS = 25;

  /** How long the kernel must have been idle before the warm-up goes on, in ms. */
  static final int QUIET_MS = 200;

  // The kernel counts as busy when it used more than this share of a core over the last sample.
  private static final double BUSY_SHARE = 0.2;
  // /proc's CPU times are in clock ticks of 1/100 s on Linux (USER_HZ).
  private static final double MS_PER_TICK = 10;

  private final Path kernelStat; // null: the kernel's activity cannot be seen
  private int running; // cells in client code now; guarded by this
  private long sampledAt; // guarded by this
  private long sampledTicks = -1; // guarded by this
  private long quietSince = -1; // since when every sample found the kernel idle; guarded by this
  private boolean watchKernel = true; // guarded by this

  CellGate(Path kernelStat) {
    this.kernelStat = kernelStat != null && Files.isReadable(kernelStat) ? kernelStat : null;
  }

  /** The gate of this JVM: its parent process is the kernel. */
  static CellGate forThisJvm() {
    return new CellGate(
        ProcessHandle.current()
            .parent()
            .map(p -> Path.of("/proc", Long.toString(p.pid()), "stat"))
            .orElse(null));
  }

  /**
   * From now on only cells running here close the gate, not the kernel's work: for a warm-up whose
   * thread runs at the least priority, which takes only a core nothing else wants.
   */
  synchronized void ignoreKernel() {
    watchKernel = false;
  }

  /** A cell's code begins (the agent's {@code clientCodeEnter}). */
  synchronized void enter() {
    running++;
  }

  /**
   * A cell's code ended (the agent's {@code clientCodeLeave}); wakes the waiters when none runs.
   */
  synchronized void leave() {
    if (running > 0 && --running == 0) {
      // The kernel's quiet time starts over from now: a sample taken before the cell, compared
      // with one after it, would find the kernel idle through a long cell (it waits while the cell
      // runs here) and open the gate at once, so the warm-up ran into the kernel's compile of the
      // next cell of a notebook run cell after cell, and its compiles into that cell's JIT queue.
      sampledTicks = -1;
      quietSince = -1;
      notifyAll();
    }
  }

  /**
   * Returns once no cell runs here and the kernel has been idle for {@link #QUIET_MS} (at once when
   * both hold already); returns early, with the interrupt flag set, when the calling thread is
   * interrupted.
   */
  void awaitIdle() {
    try {
      while (true) {
        synchronized (this) {
          while (running > 0) {
            wait();
          }
          if (kernelQuiet()) {
            return;
          }
        }
        Thread.sleep(SAMPLE_MS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // Whether every sample of the kernel's CPU time over the last QUIET_MS found it idle; samples
  // again when the last sample is older than SAMPLE_MS. Guarded by this.
  private boolean kernelQuiet() {
    if (kernelStat == null || !watchKernel) {
      return true;
    }
    long now = System.nanoTime();
    if (sampledTicks < 0 || (now - sampledAt) / 1e6 >= SAMPLE_MS) {
      long ticks = cpuTicks(kernelStat);
      if (ticks < 0) {
        return true; // the kernel is gone: the JVM is about to end anyway
      }
      double sinceMs = (now - sampledAt) / 1e6;
      boolean busy =
          sampledTicks < 0 || (ticks - sampledTicks) * MS_PER_TICK > BUSY_SHARE * sinceMs;
      if (busy) {
        quietSince = -1;
      } else if (quietSince < 0) {
        quietSince = sampledAt; // idle since the sample before this one
      }
      sampledTicks = ticks;
      sampledAt = now;
    }
    return quietSince >= 0 && (now - quietSince) / 1e6 >= QUIET_MS;
  }

  /** User plus system CPU time of a process, in clock ticks, from its {@code /proc/PID/stat}. */
  static long cpuTicks(Path stat) {
    try {
      var text = Files.readString(stat);
      // The fields after the command name, which is in parentheses and may hold spaces.
      var fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
