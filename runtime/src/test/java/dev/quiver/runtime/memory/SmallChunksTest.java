package dev.quiver.runtime.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Small GC-managed tensors share chunks: what a user must never notice, and the accounting. */
class SmallChunksTest {
  @Test
  void aLongLivedTensorKeepsItsValuesWhileItsChunkMatesDie() {
    Tensor kept = Tensor.full(3.5f, 1000);
    Tensor b = Tensor.ones(1000);
    for (int round = 0; round < 20; round++) {
      for (int i = 0; i < 2_000; i++) {
        b.add(b); // temporaries in the same size class as kept: they share its chunk, then die
      }
      Memory.collect();
      assertEquals(3500.0, kept.sum().item(), 0, "round " + round);
    }
  }

  @Test
  void blocksOfOneChunkDoNotOverlap() {
    List<Tensor> ts = new ArrayList<>();
    for (int i = 0; i < 3 * SmallChunks.BLOCKS_PER_CHUNK; i++) {
      ts.add(Tensor.full(i, 250)); // 1000 bytes: the 1 KB class
    }
    for (int i = 0; i < ts.size(); i++) {
      assertEquals(250.0 * i, ts.get(i).sum().item(), 0, "tensor " + i);
    }
  }

  @Test
  void aClosedTensorNoLongerPinsItsChunkAndCountsNoMore() {
    long base = Memory.collect();
    Tensor small = Tensor.ones(1000);
    assertEquals(base + 4096, Memory.bytesInUse(), "4000 bytes take a 4 KB block");
    small.close();
    assertEquals(base, Memory.bytesInUse(), "closed: its block is counted as unused at once");
    for (int i = 0; i < 100; i++) {
      Tensor.ones(1000); // fill and leave chunks behind
    }
    // `small` is still reachable here, but closed: its chunk must be freed anyway.
    assertEquals(base, Memory.collect());
    assertThrows(IllegalStateException.class, () -> small.sum());
  }

  @Test
  void threadsTakingBlocksAtOnceGetDistinctBlocksAndTheCountReturnsToItsBase() throws Exception {
    long base = Memory.collect();
    int threads = 4;
    int perThread = 5 * SmallChunks.BLOCKS_PER_CHUNK + 3;
    List<List<Tensor>> made = new ArrayList<>();
    List<Thread> ts = new ArrayList<>();
    var start = new java.util.concurrent.CountDownLatch(1);
    for (int t = 0; t < threads; t++) {
      List<Tensor> mine = new ArrayList<>();
      made.add(mine);
      int id = t;
      ts.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      start.await();
                    } catch (InterruptedException e) {
                      throw new IllegalStateException(e);
                    }
                    for (int i = 0; i < perThread; i++) {
                      mine.add(Tensor.full(id * 1000 + i, 100)); // 400 bytes: the 512-byte class
                    }
                  }));
    }
    start.countDown();
    for (Thread t : ts) {
      t.join();
    }
    assertEquals(
        base + (long) threads * perThread * 512,
        Memory.bytesInUse(),
        "every tensor counts one 512-byte block");
    for (int t = 0; t < threads; t++) {
      for (int i = 0; i < perThread; i++) {
        assertEquals(100.0 * (t * 1000 + i), made.get(t).get(i).sum().item(), 0, t + "/" + i);
      }
    }
    made.clear();
    ts.clear();
    assertEquals(base, Memory.collect());
  }

  @Test
  void sizeClassesArePowersOfTwoFromOneCacheLine() {
    assertEquals(0, SmallChunks.sizeClass(1));
    assertEquals(0, SmallChunks.sizeClass(64));
    assertEquals(1, SmallChunks.sizeClass(65));
    assertEquals(6, SmallChunks.sizeClass(4096));
    var e = assertThrows(IllegalArgumentException.class, () -> SmallChunks.sizeClass(4097));
    assertTrue(e.getMessage().contains("4097"), e.getMessage());
  }
}
