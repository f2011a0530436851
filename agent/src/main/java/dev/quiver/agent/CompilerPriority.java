package dev.quiver.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Lowers the priority of the cell JVM's C2 compiler threads (Linux) when {@code
 * -Dquiver.jit.c2Nice=N} (1 to 19) is in the cell JVM's flags; off by default (measured below).
 *
 * <p>Why one would: a notebook's first {@code fit} in a fresh kernel runs on interpreted and C1
 * code while C2 compiles the training path, about as much CPU as the fit's own thread; on two cores
 * it competes with the fit's thread, C1 (whose code is what the first fit runs on) and the kernel
 * JVM, while its code mostly pays only in the fits after it (docs/kernel.md, "The first fit"). A
 * niced thread still gets a core whenever nothing at normal priority in its scheduling group wants
 * it. Why it is off: a fit that keeps both cores busy (the runtime's parallel kernels: felt's MLP
 * fit) then leaves C2 almost no time, runs on C1 code far longer and took twice as long. A thread
 * cannot raise its priority again without privileges, so this cannot be undone once that starts.
 *
 * <p>Threads are found by name in {@code /proc/self/task} ({@code "C2 CompilerThread0"}, ...). A C2
 * thread HotSpot adds later is started by a compiler thread and inherits its nice value.
 */
final class CompilerPriority {

  /** The system property giving the C2 threads' nice value (0 leaves them as they are). */
  static final String C2_NICE = "quiver.jit.c2Nice";

  private CompilerPriority() {}

  /**
   * Lowers this JVM's C2 compiler threads to the nice value {@code -Dquiver.jit.c2Nice} gives; the
   * number of threads lowered (0 without the property, or where it is not a number from 1 to 19, or
   * where none could be).
   */
  static int lowerC2() {
    var value = System.getProperty(C2_NICE);
    if (value == null) {
      return 0;
    }
    int nice;
    try {
      nice = Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      return 0;
    }
    return nice < 1 || nice > BackgroundPriority.NICE ? 0 : lower("C2 ", nice);
  }

  /** Sets {@code nice} on this process's threads whose name starts with {@code namePrefix}. */
  static int lower(String namePrefix, int nice) {
    var tasks = Path.of("/proc/self/task");
    if (!Files.isDirectory(tasks)) {
      return 0;
    }
    int lowered = 0;
    try (var ids = Files.newDirectoryStream(tasks)) {
      for (Path task : ids) {
        try {
          if (Files.readString(task.resolve("comm")).startsWith(namePrefix)
              && BackgroundPriority.setPriority(
                  Integer.parseInt(task.getFileName().toString()), nice)) {
            lowered++;
          }
        } catch (IOException | NumberFormatException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      return lowered;
    }
    return lowered;
  }
}
