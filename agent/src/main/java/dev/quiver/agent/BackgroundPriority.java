package dev.quiver.agent;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;

/**
 * Lowers the calling thread's scheduling priority to the least (nice 19) on Linux, so that it runs
 * only on a core nothing else wants: the background warm-up's thread. Why: on a two-core machine
 * the warm-up's only chance to run before a notebook's first fit, when cells come one after the
 * other, is while the kernel JVM compiles the first cells (about one core of two busy); at the
 * normal priority it would slow that compile, at the least it takes only what is left over.
 *
 * <p>Linux only ({@code setpriority(PRIO_PROCESS, gettid(), 19)}: on Linux a thread's id names that
 * thread alone; elsewhere it would name the whole process). A thread cannot raise its priority
 * again without privileges, so only a thread that stays in the background may call it.
 */
final class BackgroundPriority {

  /** The least priority a Linux thread can have. */
  static final int NICE = 19;

  private BackgroundPriority() {}

  /**
   * Whether the calling thread now runs at the least priority; false where that is not possible.
   */
  static boolean lowerThisThread() {
    if (!System.getProperty("os.name", "").startsWith("Linux")) {
      return false;
    }
    try {
      var linker = Linker.nativeLinker();
      var libc = linker.defaultLookup();
      var gettid =
          linker.downcallHandle(
              libc.find("gettid").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT));
      var setpriority =
          linker.downcallHandle(
              libc.find("setpriority").orElseThrow(),
              FunctionDescriptor.of(
                  ValueLayout.JAVA_INT,
                  ValueLayout.JAVA_INT,
                  ValueLayout.JAVA_INT,
                  ValueLayout.JAVA_INT));
      int tid = (int) gettid.invokeExact();
      int prioProcess = 0;
      return (int) setpriority.invokeExact(prioProcess, tid, NICE) == 0;
    } catch (Throwable e) {
      return false; // no native access, no such symbol: the thread keeps its priority
    }
  }
}
