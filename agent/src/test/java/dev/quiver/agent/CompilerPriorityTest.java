package dev.quiver.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompilerPriorityTest {

  /** Nice value by thread name of this process's threads whose name starts with prefix. */
  private static Map<String, Integer> nice(String prefix) throws Exception {
    var out = new HashMap<String, Integer>();
    try (var ids = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      for (Path task : ids) {
        var comm = Files.readString(task.resolve("comm")).strip();
        if (comm.startsWith(prefix)) {
          // Field 19 of /proc/PID/task/TID/stat is the thread's nice value.
          var text = Files.readString(task.resolve("stat"));
          out.put(
              comm + "/" + task.getFileName(),
              Integer.parseInt(text.substring(text.lastIndexOf(')') + 2).split(" ")[16]));
        }
      }
    }
    return out;
  }

  @Test
  void lowersTheNamedThreadsOnlyOnLinux() throws Exception {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/task")));
    var started = new java.util.concurrent.CountDownLatch(1);
    var release = new java.util.concurrent.CountDownLatch(1);
    Runnable park =
        () -> {
          started.countDown();
          try {
            release.await();
          } catch (InterruptedException ignored) {
            // ends
          }
        };
    var target = Thread.ofPlatform().name("qv-lower-me").start(park);
    var other = Thread.ofPlatform().name("qv-keep-me").start(park);
    started.await();
    try {
      assertEquals(1, CompilerPriority.lower("qv-lower", 7));
      assertEquals(
          java.util.List.of(7), java.util.List.copyOf(nice("qv-lower").values()), "the named one");
      assertEquals(java.util.List.of(0), java.util.List.copyOf(nice("qv-keep").values()));
    } finally {
      release.countDown();
      target.join();
      other.join();
    }
  }

  @Test
  void offWithoutThePropertyOrWithABadValue() {
    var before = System.getProperty(CompilerPriority.C2_NICE);
    try {
      System.clearProperty(CompilerPriority.C2_NICE);
      assertEquals(0, CompilerPriority.lowerC2());
      for (var bad : new String[] {"0", "20", "-5", "low"}) {
        System.setProperty(CompilerPriority.C2_NICE, bad);
        assertEquals(0, CompilerPriority.lowerC2(), bad);
      }
    } finally {
      restore(before);
    }
  }

  @Test
  void withThePropertyTheC2ThreadsAreLoweredAndC1sAreNot() throws Exception {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/task")));
    assumeTrue(!nice("C2 ").isEmpty(), "a JVM with C2");
    var before = System.getProperty(CompilerPriority.C2_NICE);
    try {
      // This test JVM's own C2 threads: they only compile later, no test's result changes.
      System.setProperty(CompilerPriority.C2_NICE, "19");
      assertTrue(CompilerPriority.lowerC2() >= 1);
      assertTrue(nice("C2 ").values().stream().allMatch(n -> n == 19), "C2: " + nice("C2 "));
      assertTrue(nice("C1 ").values().stream().allMatch(n -> n == 0), "C1: " + nice("C1 "));
    } finally {
      restore(before);
    }
  }

  private static void restore(String value) {
    if (value == null) {
      System.clearProperty(CompilerPriority.C2_NICE);
    } else {
      System.setProperty(CompilerPriority.C2_NICE, value);
    }
  }
}
