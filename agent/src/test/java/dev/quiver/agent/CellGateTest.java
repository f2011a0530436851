package dev.quiver.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warm-up's gate: it waits while a cell runs and while the kernel's process works, read from a
 * {@code /proc/PID/stat} file (here a stand-in whose CPU times the test sets).
 */
class CellGateTest {

  @TempDir Path dir;

  // A /proc/PID/stat line whose utime and stime (fields 14 and 15) are ticks / 2 each.
  private static String stat(long ticks) {
    return "4242 (java kernel) S 1 4242 4242 0 -1 4194560 100 0 0 0 "
        + (ticks / 2)
        + " "
        + (ticks - ticks / 2)
        + " 0 0 20 0 30 0 100 0 0\n";
  }

  // As /proc does: a reader sees the old line or the new one, never an empty file.
  private void write(Path file, String text) throws java.io.IOException {
    var next = dir.resolve("stat.next");
    Files.writeString(next, text);
    Files.move(next, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void readsTheCpuTimeOfAProcess() throws Exception {
    var file = dir.resolve("stat");
    Files.writeString(file, stat(1234));
    assertEquals(1234, CellGate.cpuTicks(file));
    assertEquals(-1, CellGate.cpuTicks(dir.resolve("gone")));
    assertTrue(
        CellGate.cpuTicks(Path.of("/proc/self/stat")) >= 0 || !Files.exists(Path.of("/proc")));
  }

  @Test
  void waitsWhileTheKernelWorksAndReturnsOnceItIsIdle() throws Exception {
    var file = dir.resolve("stat");
    Files.writeString(file, stat(0));
    var gate = new CellGate(file);
    var kernelWorks = new java.util.concurrent.atomic.AtomicBoolean(true);
    // The kernel works: 5 ticks (50 ms) of CPU every 10 ms, so that any sampling interval in which
    // this thread writes at all sees it busy, however loaded the machine is.
    var kernel =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  long ticks = 0;
                  while (kernelWorks.get()) {
                    try {
                      write(file, stat(ticks += 5));
                      Thread.sleep(10);
                    } catch (Exception e) {
                      return;
                    }
                  }
                });
    var idle = CompletableFuture.runAsync(gate::awaitIdle);
    Thread.sleep(400);
    assertFalse(idle.isDone(), "the gate let the warm-up run while the kernel worked");
    long stopped = System.nanoTime();
    kernelWorks.set(false);
    kernel.join();
    idle.get(5, TimeUnit.SECONDS);
    // Not in the kernel's first short pause: only once it has been quiet for QUIET_MS (less the
    // last write's 10 ms and a sample's slack).
    long waitedMs = (System.nanoTime() - stopped) / 1_000_000;
    assertTrue(
        waitedMs >= CellGate.QUIET_MS - 40,
        "the gate opened " + waitedMs + " ms after the kernel stopped working");
  }

  @Test
  void afterACellWaitsForTheKernelToStayIdleThoughItWasIdleWhileTheCellRan() throws Exception {
    var file = dir.resolve("stat");
    Files.writeString(file, stat(0));
    var gate = new CellGate(file);
    gate.awaitIdle(); // sampled once: the kernel idle before the cell, as between cells
    Thread.sleep(CellGate.QUIET_MS + 50);
    gate.awaitIdle();
    // The kernel compiles a cell (10 ticks), then waits while the cell runs here for longer than
    // the quiet interval: over the whole interval since the last sample it looks idle.
    write(file, stat(10));
    gate.enter();
    var idle = CompletableFuture.runAsync(gate::awaitIdle);
    Thread.sleep(CellGate.QUIET_MS * 3);
    long left = System.nanoTime();
    gate.leave();
    idle.get(5, TimeUnit.SECONDS);
    long waitedMs = (System.nanoTime() - left) / 1_000_000;
    assertTrue(
        waitedMs >= CellGate.QUIET_MS - 10,
        "the gate opened "
            + waitedMs
            + " ms after the cell ended: the next cell's compile may be starting in that time");
  }

  @Test
  void waitsWhileACellRuns() throws Exception {
    var gate = new CellGate(null); // no /proc: only cells count
    gate.awaitIdle(); // nothing runs: at once
    shutWhileACellRuns(gate);
  }

  /** A cell running here keeps the gate shut until it leaves. */
  private static void shutWhileACellRuns(CellGate gate) throws Exception {
    gate.enter();
    var idle = CompletableFuture.runAsync(gate::awaitIdle);
    Thread.sleep(200);
    assertFalse(idle.isDone(), "the gate let the warm-up run while a cell ran");
    gate.leave();
    idle.get(5, TimeUnit.SECONDS);
  }

  @Test
  void ignoringTheKernelOnlyCellsRunningHereCloseTheGate() throws Exception {
    var file = dir.resolve("stat");
    Files.writeString(file, stat(0));
    var gate = new CellGate(file);
    var busy = CompletableFuture.runAsync(gate::awaitIdle);
    // The kernel works (100 ticks between samples): the gate stays shut while it watches it.
    for (int i = 1; i <= 10; i++) {
      write(file, stat(100L * i));
      Thread.sleep(CellGate.SAMPLE_MS);
    }
    assertFalse(busy.isDone(), "the gate let the warm-up run while the kernel worked");
    gate.ignoreKernel(); // the warm-up's thread now runs at the least priority
    write(file, stat(5000));
    busy.get(5, TimeUnit.SECONDS);
    gate.awaitIdle(); // the kernel still works: at once
    shutWhileACellRuns(gate);
  }

  @Test
  void aLoweredThreadRunsAtTheLeastPriorityOnLinux() throws Exception {
    var nice = new java.util.concurrent.atomic.AtomicReference<String>();
    var lowered = new java.util.concurrent.atomic.AtomicBoolean();
    var thread =
        Thread.ofPlatform()
            .start(
                () -> {
                  lowered.set(BackgroundPriority.lowerThisThread());
                  try {
                    // Field 19 of /proc/thread-self/stat is the thread's nice value.
                    var text = Files.readString(Path.of("/proc/thread-self/stat"));
                    nice.set(text.substring(text.lastIndexOf(')') + 2).split(" ")[16]);
                  } catch (java.io.IOException e) {
                    nice.set(null);
                  }
                });
    thread.join();
    if (System.getProperty("os.name").startsWith("Linux")) {
      assertTrue(lowered.get(), "setpriority failed on Linux");
      assertEquals(Integer.toString(BackgroundPriority.NICE), nice.get());
    } else {
      assertFalse(lowered.get());
    }
    // The caller's own thread was not touched.
    var own =
        Files.exists(Path.of("/proc/thread-self/stat"))
            ? Files.readString(Path.of("/proc/thread-self/stat"))
            : null;
    if (own != null) {
      assertFalse(
          own.substring(own.lastIndexOf(')') + 2).split(" ")[16].equals("19"),
          "the test's own thread was lowered too");
    }
  }
}
