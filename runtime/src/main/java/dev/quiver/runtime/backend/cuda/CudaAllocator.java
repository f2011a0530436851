package dev.quiver.runtime.backend.cuda;

import dev.quiver.runtime.backend.cuda.ffi.Driver;
import dev.quiver.runtime.memory.ManagedStorage;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * A caching allocator for one device, in the manner of PyTorch's: cuMemAlloc and cuMemFree are slow
 * (cuMemFree synchronises the whole device), so freed blocks go to free lists by size class and the
 * next request of that class takes one back. A training loop allocates the same sizes every step,
 * so after the first step it never calls the driver.
 *
 * <p>Size classes: at least 512 bytes; up to 16 MiB, four classes per power of two (at most 25%
 * waste); above, multiples of 2 MiB. Out of memory: free unreachable tensors, empty the cache,
 * retry once, then throw {@link CudaOutOfMemoryException} with the numbers.
 */
final class CudaAllocator {
  /** A device block: its address and the size class it was allocated for. */
  record Block(long pointer, long size) {}

  private static final long MIN_BLOCK = 512;
  private static final long LARGE = 16L << 20;
  private static final long LARGE_STEP = 2L << 20;

  private final DeviceStream device;
  private final Map<Long, ArrayDeque<Long>> free = new HashMap<>();
  private long bytesInUse;
  private long bytesCached;
  private long peakBytes;
  private final long minGcThreshold;
  private volatile long gcThreshold;

  CudaAllocator(DeviceStream device, long totalMemory) {
    this.device = device;
    // GC-managed tensors are freed only after a collection notices them; ask for one when managed
    // device memory grows past an eighth of the device (at least 256 MiB), adapting to the live
    // size.
    this.minGcThreshold = Math.max(256L << 20, totalMemory / 8);
    this.gcThreshold = minGcThreshold;
  }

  static long sizeClass(long bytes) {
    if (bytes <= MIN_BLOCK) {
      return MIN_BLOCK;
    }
    if (bytes > LARGE) {
      return (bytes + LARGE_STEP - 1) / LARGE_STEP * LARGE_STEP;
    }
    long step = Long.highestOneBit(bytes) >> 2;
    return (bytes + step - 1) / step * step;
  }

  synchronized long bytesInUse() {
    return bytesInUse;
  }

  synchronized long bytesCached() {
    return bytesCached;
  }

  synchronized long peakBytes() {
    return peakBytes;
  }

  void beforeManagedAllocation(long bytes) {
    if (bytesInUse() + bytes <= gcThreshold) {
      return;
    }
    synchronized (this) {
      if (bytesInUse + bytes <= gcThreshold) {
        return;
      }
    }
    ManagedStorage.collectUnreachable();
    gcThreshold = Math.max(minGcThreshold, 2 * (bytesInUse() + bytes));
  }

  Block allocate(long bytes) {
    long size = sizeClass(bytes);
    Block b = takeCached(size);
    if (b != null) {
      return b;
    }
    Driver driver = device.driver();
    device.makeCurrent();
    int[] rc = new int[1];
    long p = driver.memAlloc(size, rc);
    if (rc[0] == Driver.CUDA_ERROR_OUT_OF_MEMORY) {
      // Unreachable tensors may hold what we need; then give back what the cache holds.
      ManagedStorage.collectUnreachable();
      b = takeCached(size);
      if (b != null) {
        return b;
      }
      emptyCache();
      device.makeCurrent();
      p = driver.memAlloc(size, rc);
    }
    if (rc[0] == Driver.CUDA_ERROR_OUT_OF_MEMORY) {
      long[] info = driver.memInfo();
      throw new CudaOutOfMemoryException(
          String.format(
              "%s is out of memory: could not allocate %s (%d bytes); the device has %s free of %s, tensors hold %s. "
                  + "Free tensors (close a MemoryScope, drop references) or use smaller batches.",
              device.device(),
              human(size),
              bytes,
              human(info[0]),
              human(info[1]),
              human(bytesInUse())),
          bytes);
    }
    driver.check(rc[0], "cuMemAlloc_v2", "bytes=" + size + " on " + device.device());
    synchronized (this) {
      bytesInUse += size;
      peakBytes = Math.max(peakBytes, bytesInUse);
    }
    return new Block(p, size);
  }

  private synchronized Block takeCached(long size) {
    ArrayDeque<Long> list = free.get(size);
    if (list == null || list.isEmpty()) {
      return null;
    }
    bytesCached -= size;
    bytesInUse += size;
    peakBytes = Math.max(peakBytes, bytesInUse);
    return new Block(list.pop(), size);
  }

  /**
   * Back to the cache; called from any thread (a scope closing, the reclaimer), makes no driver
   * call.
   */
  synchronized void free(Block b) {
    free.computeIfAbsent(b.size(), s -> new ArrayDeque<>()).push(b.pointer());
    bytesInUse -= b.size();
    bytesCached += b.size();
  }

  /**
   * Gives every cached block back to the driver, after the queued work that may still use them. The
   * blocks are taken first and the stream synchronised after: a block another thread frees once its
   * last kernel is queued, after a synchronisation but before the taking, would otherwise go to
   * cuMemFree while that kernel still runs.
   */
  void emptyCache() {
    Map<Long, ArrayDeque<Long>> toFree;
    long taken;
    synchronized (this) {
      toFree = new HashMap<>(free);
      free.clear();
      taken = bytesCached;
      bytesCached = 0;
    }
    device.makeCurrent();
    try {
      device.synchronize("emptying the memory cache");
    } catch (RuntimeException e) {
      synchronized (this) { // not freed: back to the cache, as they were
        toFree.forEach(
            (size, list) -> free.computeIfAbsent(size, s -> new ArrayDeque<>()).addAll(list));
        bytesCached += taken;
      }
      throw e;
    }
    for (ArrayDeque<Long> list : toFree.values()) {
      for (long p : list) {
        device.driver().memFree(p);
      }
    }
  }

  static String human(long bytes) {
    if (bytes >= 1L << 30) {
      return String.format("%.2f GiB", bytes / (double) (1L << 30));
    }
    if (bytes >= 1L << 20) {
      return String.format("%.1f MiB", bytes / (double) (1L << 20));
    }
    return bytes + " bytes";
  }
}
