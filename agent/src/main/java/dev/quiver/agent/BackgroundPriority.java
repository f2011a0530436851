package dev.quiver.agent;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

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
    try {
      return isLinux() && setPriority((int) Native.GETTID.invokeExact(), NICE);
    } catch (Throwable e) {
      return false; // no native access, no such symbol: the thread keeps its priority
    }
  }

  /**
   * Sets the nice value of the thread with Linux thread id {@code tid} (one of this process's, from
   * {@code /proc/self/task}); false where that failed. Only lowering is sure to work: raising it
   * back needs privileges.
   */
  static boolean setPriority(int tid, int nice) {
    if (!isLinux()) {
      return false;
    }
    try {
      int prioProcess = 0;
      return (int) Native.SETPRIORITY.invokeExact(prioProcess, tid, nice) == 0;
    } catch (Throwable e) {
      return false; // no native access, no such symbol: the thread keeps its priority
    }
  }

  private static boolean isLinux() {
    return System.getProperty("os.name", "").startsWith("Linux");
  }

  // Looked up on first use (most JVMs never call these); a failed lookup throws from the holder's
  // initialization, which the callers turn into false.
  private static final class Native {
    static final MethodHandle GETTID =
        downcall("gettid", FunctionDescriptor.of(ValueLayout.JAVA_INT));
    static final MethodHandle SETPRIORITY =
        downcall(
            "setpriority",
            FunctionDescriptor.of(
                ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT));
  }

  private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
    var linker = Linker.nativeLinker();
    return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(), descriptor);
  }
}
