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
  void sizeClassesArePowersOfTwoFromOneCacheLine() {
    assertEquals(0, SmallChunks.sizeClass(1));
    assertEquals(0, SmallChunks.sizeClass(64));
    assertEquals(1, SmallChunks.sizeClass(65));
    assertEquals(6, SmallChunks.sizeClass(4096));
    var e = assertThrows(IllegalArgumentException.class, () -> SmallChunks.sizeClass(4097));
    assertTrue(e.getMessage().contains("4097"), e.getMessage());
  }
}
