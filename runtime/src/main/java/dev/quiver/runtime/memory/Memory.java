package dev.quiver.runtime.memory;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.memory.rounding.RoundingPolicy;

/**
 * The process-wide tensor allocator and its accounting.
 *
 * <p>All tensor memory is allocated from one Arrow {@link RootAllocator} so that {@link
 * #bytesInUse()} is the truth about native memory held by tensors: tests check it returns to its
 * baseline, and a notebook can show it.
 *
 * <p>Notebook users never free tensors; tensors outside any {@link MemoryScope} are freed by a
 * {@link Reclaimer} once unreachable. The garbage collector does not see native memory, so, like
 * {@code java.nio} does for direct buffers, we ask for a collection when GC-managed native memory
 * grows past a threshold that adapts to the live size.
 */
public final class Memory {
  /**
   * Rounds requests to whole cache lines only; Arrow's default rounds to powers of two, wasting up
   * to half.
   */
  private static final RoundingPolicy CACHE_LINE_ROUNDING = size -> (size + 63) & -64L;

  private static final RootAllocator ROOT =
      new RootAllocator(
          RootAllocator.configBuilder()
              .allocationManagerFactory(NativeAllocationManager.FACTORY)
              .roundingPolicy(CACHE_LINE_ROUNDING)
              .maxAllocation(Long.getLong("quiver.memory.limit", Long.MAX_VALUE))
              .build());

  private static final long MIN_GC_THRESHOLD = Long.getLong("quiver.memory.gcThreshold", 1L << 30);
  private static volatile long gcThreshold = MIN_GC_THRESHOLD;

  private Memory() {}

  /**
   * The root allocator every tensor buffer comes from. Arrow IPC readers may use child allocators
   * of it.
   */
  public static BufferAllocator allocator() {
    return ROOT;
  }

  /**
   * Native bytes currently held by tensors and Arrow buffers of this process. Small GC-managed
   * tensors on the Java heap ({@code -Dquiver.memory.heap=true}, on in the cell JVM) are not
   * counted: they are the Java heap's, like any array ({@code Runtime.totalMemory()}).
   */
  public static long bytesInUse() {
    return ROOT.getAllocatedMemory() - SmallChunks.unusedBytes() - ScopeSlab.freeBytes();
  }

  /**
   * Bytes a new tensor may still take in host memory: the machine's physical memory (or the
   * container's limit) and {@code -Dquiver.memory.limit}, less what tensors hold already.
   */
  public static long available() {
    long physical = physicalBytes();
    return Math.max(0, Math.min(ROOT.getLimit(), physical) - bytesInUse());
  }

  /**
   * Whether {@code bytes} more fit: {@code bytes <= available()}, answered without counting the
   * small chunks' unused bytes when the request fits even counting them as used (nearly always).
   * Every new tensor's size check asks.
   */
  public static boolean fits(long bytes) {
    return bytes <= Math.min(ROOT.getLimit(), physicalBytes()) - ROOT.getAllocatedMemory()
        || bytes <= available();
  }

  /**
   * Refuses, before allocating, a request of {@code bytes} that cannot be met: {@code what} (the op
   * and shape asked for) is named with the bytes and what is available.
   */
  public static void require(String what, long bytes) {
    long available = available();
    if (bytes <= available) {
      return;
    }
    long limit = ROOT.getLimit();
    throw new IllegalArgumentException(
        what
            + " needs "
            + bytes
            + " bytes ("
            + human(bytes)
            + "), but "
            + available
            + " bytes ("
            + human(available)
            + ") are available: "
            + human(physicalBytes())
            + " of physical memory, "
            + (limit == Long.MAX_VALUE ? "no -Dquiver.memory.limit, " : human(limit) + " limit, ")
            + human(bytesInUse())
            + " in use by tensors");
  }

  private static long physicalBytes() {
    return Physical.BYTES;
  }

  /**
   * The machine's memory, read once: the JDK reads it from /proc (or the cgroup's files) on every
   * call, and every tensor's size check asked, which made an Iris training step 25 times slower.
   */
  private static final class Physical {
    static final long BYTES = read();

    private static long read() {
      var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      return os instanceof com.sun.management.OperatingSystemMXBean sun
          ? sun.getTotalMemorySize()
          : Long.MAX_VALUE;
    }
  }

  private static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    int unit = (63 - Long.numberOfLeadingZeros(bytes)) / 10;
    return String.format(
        java.util.Locale.ROOT, "%.1f %sB", bytes / Math.pow(1024, unit), " KMGTPE".charAt(unit));
  }

  /** The most native bytes ever held at once. */
  public static long peakBytes() {
    return ROOT.getPeakMemoryAllocation();
  }

  /**
   * Frees what the garbage collector knows to be unreachable, then returns {@link #bytesInUse()}.
   * For tests and notebooks that want to see the baseline without waiting for the next collection;
   * also gives the large blocks held for reuse back to the C library.
   */
  public static long collect() {
    long before;
    int stable = 0;
    SmallChunks.retireFilling();
    ScopeSlab.trimPool();
    do {
      before = bytesInUse();
      System.gc();
      Reclaimer.drainAll(20);
      stable = bytesInUse() == before ? stable + 1 : 0;
    } while (stable < 3);
    NativeAllocationManager.releaseLargeBlocks();
    return bytesInUse();
  }

  /**
   * Called before each GC-managed allocation: keeps unreachable tensors from piling up natively.
   */
  static void beforeManagedAllocation(long bytes) {
    // Free everything the last collection found unreachable, here, before allocating more: the
    // freed Arrow bookkeeping then dies young instead of being copied through survivor spaces,
    // and a 1000-element add outside any scope went from about 4.2 to 1.4 microseconds.
    Reclaimer.drain(Integer.MAX_VALUE);
    if (bytesInUse() + bytes <= gcThreshold) {
      return;
    }
    synchronized (Memory.class) {
      if (bytesInUse() + bytes <= gcThreshold) {
        return;
      }
      System.gc();
      // Free what the collection found, here and now, before measuring the live size: measuring
      // while a cleaner thread was still busy made the threshold double on every collection, and a
      // loop of small GC-managed ops then grew native memory without bound.
      Reclaimer.drainAll(2);
      gcThreshold = Math.max(MIN_GC_THRESHOLD, 2 * (bytesInUse() + bytes));
    }
  }
}
