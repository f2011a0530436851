package dev.quiver.runtime.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.arrow.memory.ArrowBuf;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Large native blocks freed by one training step are handed to the next one (the same pages, no
 * fresh page faults), within a bound, and {@link Memory#collect()} gives them back.
 */
@Tag("cpu-only")
class LargeBlocksTest {
  private static final long MB = 1L << 20;

  @Test
  void aFreedLargeBlockIsTheNextOneOfItsSize() {
    Memory.collect();
    long bytes = 3 * MB + 4096; // above the small-block cache, a size no other test uses
    long first;
    try (ArrowBuf b = Memory.allocator().buffer(bytes)) {
      first = b.memoryAddress();
    }
    assertEquals(bytes, NativeAllocationManager.largeCachedBytes(), "held for reuse, not freed");
    long inUse = Memory.bytesInUse();
    try (ArrowBuf b = Memory.allocator().buffer(bytes)) {
      assertEquals(first, b.memoryAddress(), "the same block again");
      assertEquals(0, NativeAllocationManager.largeCachedBytes());
      assertEquals(inUse + bytes, Memory.bytesInUse(), "counted as in use while a buffer has it");
    }
    assertEquals(inUse, Memory.bytesInUse(), "a cached block is not in use");
    Memory.collect();
    assertEquals(0, NativeAllocationManager.largeCachedBytes(), "collect gives it back");
  }

  @Test
  void blocksAboveTheLargestAndPastTheBudgetGoBackAtOnce() {
    Memory.collect();
    long huge = NativeAllocationManager.LargeBlocks.MAX_BLOCK + 64;
    // Never written: only address space, whatever its size.
    Memory.allocator().buffer(huge).close();
    assertEquals(0, NativeAllocationManager.largeCachedBytes(), "too large to keep");

    long block = NativeAllocationManager.LargeBlocks.MAX_BLOCK;
    int n = (int) (NativeAllocationManager.LargeBlocks.MAX_CACHED / block) + 2;
    ArrowBuf[] bufs = new ArrowBuf[n];
    for (int i = 0; i < n; i++) {
      bufs[i] = Memory.allocator().buffer(block);
    }
    for (ArrowBuf b : bufs) {
      b.close();
    }
    long cached = NativeAllocationManager.largeCachedBytes();
    assertTrue(
        cached <= NativeAllocationManager.LargeBlocks.MAX_CACHED && cached >= block,
        "kept up to the budget, got " + cached);
    Memory.collect();
    assertEquals(0, NativeAllocationManager.largeCachedBytes());
  }

  @Test
  void aFullCacheMakesRoomForTheSizeFreedLast() {
    Memory.collect();
    long budget = NativeAllocationManager.LargeBlocks.MAX_CACHED;
    long block = Math.min(NativeAllocationManager.LargeBlocks.MAX_BLOCK, budget / 4);
    // One-off sizes (never written: address space only) that together pass the budget.
    int n = (int) (budget / block) + 2;
    for (int i = 0; i < n; i++) {
      Memory.allocator().buffer(block - 4096L * (i + 1)).close();
    }
    assertTrue(NativeAllocationManager.largeCachedBytes() <= budget);
    long loop = 5 * MB + 3 * 4096; // a training loop's buffer, freed after the one-off sizes
    long first;
    try (ArrowBuf b = Memory.allocator().buffer(loop)) {
      first = b.memoryAddress();
    }
    long held = NativeAllocationManager.largeCachedBytes();
    try (ArrowBuf b = Memory.allocator().buffer(loop)) {
      assertEquals(loop, held - NativeAllocationManager.largeCachedBytes(), "taken from the cache");
      assertEquals(first, b.memoryAddress(), "kept although the cache was full");
    }
    assertTrue(
        NativeAllocationManager.largeCachedBytes() <= budget,
        "still within the budget: " + NativeAllocationManager.largeCachedBytes());
    Memory.collect();
  }

  @Test
  void anAllocationTheLibraryRefusesFirstGivesTheCacheBack() {
    Memory.collect();
    Memory.allocator().buffer(2 * MB + 8192).close();
    assertEquals(2 * MB + 8192, NativeAllocationManager.largeCachedBytes());
    // A petabyte: refused by the C library even with the cache given back.
    assertThrows(OutOfMemoryError.class, () -> Memory.allocator().buffer(1L << 50));
    assertEquals(0, NativeAllocationManager.largeCachedBytes(), "given back before giving up");
  }
}
