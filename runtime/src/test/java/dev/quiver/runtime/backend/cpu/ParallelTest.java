package dev.quiver.runtime.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

// The CPU worker pool. Not part of the device suite.
@Tag("cpu-only")
class ParallelTest {

  @Test
  void everyIndexRunsExactlyOnce() {
    for (long[] r : new long[][] {{0, 0}, {0, 1}, {5, 6}, {0, 1000}, {-50, 50}, {3, 100_003}}) {
      long start = r[0], end = r[1];
      for (long grain : new long[] {1, 7, 64, 1_000_000}) {
        var hits = new AtomicIntegerArray((int) (end - start));
        Parallel.parallelFor(
            start,
            end,
            grain,
            (from, to) -> {
              assertTrue(from >= start && to <= end && from < to, from + ".." + to);
              for (long i = from; i < to; i++) hits.incrementAndGet((int) (i - start));
            });
        for (int i = 0; i < hits.length(); i++) {
          assertEquals(1, hits.get(i), "index " + (start + i) + " grain " + grain);
        }
      }
    }
  }

  @Test
  void smallRangeRunsInlineOnCaller() {
    var threads = ConcurrentHashMap.<Thread>newKeySet();
    var calls = new AtomicInteger();
    Parallel.parallelFor(
        0,
        15,
        8,
        (from, to) -> {
          threads.add(Thread.currentThread());
          calls.incrementAndGet();
          assertEquals(0, from);
          assertEquals(15, to);
        });
    assertEquals(1, calls.get());
    assertEquals(java.util.Set.of(Thread.currentThread()), threads);
  }

  @Test
  void severalThreadsTakePart() throws Exception {
    var threads = ConcurrentHashMap.<Thread>newKeySet();
    // Each thread's first chunk waits until two different threads have arrived: whichever
    // thread claims first is held there, so the loop can only finish if another one helps.
    // (Timing alone is not proof: a spinning worker can claim every chunk before the caller
    // does, and on a loaded machine the caller can claim them all first.)
    int parties = Math.min(2, Parallel.threads());
    var arrived = new java.util.concurrent.CountDownLatch(parties);
    Parallel.parallelFor(
        0,
        1000,
        1,
        (from, to) -> {
          if (threads.add(Thread.currentThread())) {
            arrived.countDown();
            try {
              if (!arrived.await(20, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new AssertionError("only " + threads + " took chunks in 20 s");
              }
            } catch (InterruptedException e) {
              throw new AssertionError(e);
            }
          }
          busyWork(1_000);
        });
    assertTrue(threads.size() <= Parallel.threads(), threads.toString());
    assertTrue(
        threads.size() >= parties,
        "only " + threads + " ran with " + Parallel.threads() + " threads");
  }

  @Test
  void nestedLoopsRunInlineWithoutDeadlock() {
    var sum = new AtomicLong();
    Parallel.parallelFor(
        0,
        64,
        1,
        (from, to) -> {
          for (long i = from; i < to; i++) {
            Parallel.parallelFor(0, 100, 1, (f, t) -> sum.addAndGet(t - f));
          }
        });
    assertEquals(6400, sum.get());
  }

  @Test
  void exceptionInAChunkReachesTheCaller() {
    var boom = new IllegalStateException("chunk 37 failed");
    var thrown =
        assertThrows(
            IllegalStateException.class,
            () ->
                Parallel.parallelFor(
                    0,
                    100,
                    1,
                    (from, to) -> {
                      for (long i = from; i < to; i++) {
                        if (i == 37) throw boom;
                      }
                      busyWork(10_000);
                    }));
    assertSame(boom, thrown);
    // The pool is still usable afterwards.
    var count = new AtomicLong();
    Parallel.parallelFor(0, 1000, 1, (from, to) -> count.addAndGet(to - from));
    assertEquals(1000, count.get());
  }

  @Test
  void errorInAChunkIsRethrownAsIs() {
    assertThrows(
        AssertionError.class,
        () ->
            Parallel.parallelFor(
                0,
                100,
                1,
                (from, to) -> {
                  throw new AssertionError("from " + from);
                }));
  }

  @Test
  void interruptStopsTheLoopAndKeepsTheFlag() throws Exception {
    var chunksStarted = new AtomicInteger();
    var result = new CompletableFuture<Throwable>();
    var caller =
        new Thread(
            () -> {
              try {
                // About 100 s of work if nothing stops it.
                Parallel.parallelFor(
                    "test op",
                    0,
                    10_000,
                    1,
                    (from, to) -> {
                      chunksStarted.incrementAndGet();
                      long until = System.nanoTime() + 10_000_000L * (to - from);
                      while (System.nanoTime() < until) {
                        Parallel.checkInterrupt("test op");
                        Thread.onSpinWait();
                      }
                    });
                result.complete(null);
              } catch (Throwable t) {
                result.complete(
                    Thread.currentThread().isInterrupted()
                        ? t
                        : new AssertionError("interrupt flag not restored", t));
              }
            });
    caller.start();
    while (chunksStarted.get() == 0) Thread.sleep(1);
    Thread.sleep(50);
    long t0 = System.nanoTime();
    caller.interrupt();
    Throwable t = result.get(5, TimeUnit.SECONDS);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(t instanceof KernelInterruptedException, "got " + t);
    assertTrue(t.getMessage().contains("test op"), t.getMessage());
    assertTrue(ms < 1000, "took " + ms + " ms");
    caller.join(5000);
    assertFalse(caller.isAlive());
  }

  @Test
  void checkInterruptThrowsAndRestoresFlag() {
    Parallel.checkInterrupt("noop"); // not interrupted: nothing happens
    Thread.currentThread().interrupt();
    try {
      var e =
          assertThrows(KernelInterruptedException.class, () -> Parallel.checkInterrupt("conv2d"));
      assertEquals("interrupted during conv2d", e.getMessage());
      assertEquals("conv2d", e.opName());
      assertTrue(Thread.currentThread().isInterrupted());
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void concurrentCallersBothComplete() throws Exception {
    var a = new AtomicLong();
    var b = new AtomicLong();
    var other =
        CompletableFuture.runAsync(
            () -> {
              for (int r = 0; r < 200; r++) {
                Parallel.parallelFor(0, 10_000, 16, (from, to) -> a.addAndGet(to - from));
              }
            });
    for (int r = 0; r < 200; r++) {
      Parallel.parallelFor(0, 10_000, 16, (from, to) -> b.addAndGet(to - from));
    }
    other.get(30, TimeUnit.SECONDS);
    assertEquals(2_000_000, a.get());
    assertEquals(2_000_000, b.get());
  }

  @Test
  void rejectsBadArguments() {
    assertThrows(
        IllegalArgumentException.class, () -> Parallel.parallelFor(0, 10, 0, (f, t) -> {}));
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> Parallel.parallelFor(10, 5, 1, (f, t) -> {}));
    assertTrue(e.getMessage().contains("10") && e.getMessage().contains("5"), e.getMessage());
  }

  private static volatile double sink;

  private static void busyWork(int iterations) {
    double x = 1;
    for (int i = 0; i < iterations; i++) x = x * 1.0000001 + 1e-9;
    sink = x;
  }
}
