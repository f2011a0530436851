package dev.quiver.agent;

/**
 * The cell JVM's side of a cooperative stop: which thread runs the current cell, and whether the
 * kernel asked that cell to stop.
 *
 * <p>Why: the kernel's last resort against a cell that ignores {@code Thread.interrupt()} is JDI's
 * {@code ThreadReference.stop}, an exception thrown into the thread wherever it is. A cell that
 * prints in a tight loop spends most of its time inside the printing code, and an exception landing
 * there, half way through a packet on the socket to the kernel, desynchronized JShell's connection
 * and ended the cell JVM with every variable. So printing ({@link OutputPump}) and display calls
 * check {@link #check()} instead, and the kernel sets {@link #stopRequested} (through JDI) before
 * it considers a JDI stop, which it never sends while the thread is in this output code.
 *
 * <p>The fields are read and written by the kernel through JDI: keep their names and types.
 */
public final class CellStop {

  private CellStop() {}

  /** Thrown in the cell's thread at a print or display call once the kernel asked it to stop. */
  public static final class Stopped extends Error {
    Stopped() {
      super("the cell was interrupted", null, false, false);
    }
  }

  // The cell running now (a count of cells run), its thread, and the cell the kernel asked to stop.
  @SuppressWarnings("unused")
  private static volatile long cell;

  private static volatile Thread cellThread;
  private static volatile long stopRequested;

  /** A cell starts on this thread; a stop asked for an earlier one is forgotten. */
  static void begin() {
    cellThread = Thread.currentThread();
    cell++;
  }

  /** The cell ended. */
  static void end() {
    cellThread = null;
  }

  /** Whether the kernel asked the current cell to stop. */
  static boolean requested() {
    return stopRequested == cell && cellThread != null;
  }

  /**
   * Throws {@link Stopped} when called on the current cell's thread after the kernel asked it to
   * stop; otherwise returns at once.
   */
  public static void check() {
    if (stopRequested == cell && Thread.currentThread() == cellThread) {
      throw new Stopped();
    }
  }
}
