package dev.quiver.runtime.memory;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.LinkedHashMap;
import org.apache.arrow.memory.AllocationManager;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.ReferenceManager;

/**
 * An Arrow allocation manager whose memory comes from the C library's {@code aligned_alloc} and
 * {@code free}, called through {@code java.lang.foreign}.
 *
 * <p>Why not an {@code Arena} per buffer: a shared arena's {@code close} costs a thread handshake
 * (tens of microseconds), and a confined one cannot be freed from the cleaner thread. A direct
 * downcall costs tens of nanoseconds, is freed deterministically, and its address is all the Vector
 * API and a future CUDA backend need. Buffers are 64-byte aligned so vector loads never straddle
 * cache lines at the start of a tensor.
 */
public final class NativeAllocationManager extends AllocationManager {
  static final long ALIGNMENT = 64;

  private static final MethodHandle ALIGNED_ALLOC;
  private static final MethodHandle FREE;

  static {
    Linker linker = Linker.nativeLinker();
    var libc = linker.defaultLookup();
    ALIGNED_ALLOC =
        linker.downcallHandle(
            libc.find("aligned_alloc")
                .orElseThrow(() -> new ExceptionInInitializerError("libc has no aligned_alloc")),
            FunctionDescriptor.of(
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    FREE =
        linker.downcallHandle(
            libc.find("free")
                .orElseThrow(() -> new ExceptionInInitializerError("libc has no free")),
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
  }

  public static final Factory FACTORY =
      new Factory() {
        private final ArrowBuf empty = new ArrowBuf(ReferenceManager.NO_OP, null, 0, 0);

        @Override
        public AllocationManager create(BufferAllocator accountingAllocator, long size) {
          return new NativeAllocationManager(accountingAllocator, size);
        }

        @Override
        public ArrowBuf empty() {
          return empty;
        }
      };

  private static final BlockCache CACHE = new BlockCache();

  private static final LargeBlocks LARGE = new LargeBlocks();

  private final long address;
  private final long size;
  private final long rounded;

  private NativeAllocationManager(BufferAllocator accountingAllocator, long requestedSize) {
    super(accountingAllocator);
    // aligned_alloc wants a size that is a multiple of the alignment; never ask for zero bytes.
    long rounded = Math.max(ALIGNMENT, (requestedSize + ALIGNMENT - 1) & -ALIGNMENT);
    long cached = rounded <= BlockCache.MAX_BLOCK ? CACHE.take(rounded) : LARGE.take(rounded);
    this.address = cached != 0 ? cached : allocate(rounded, accountingAllocator);
    this.size = requestedSize;
    this.rounded = rounded;
  }

  /**
   * Recently freed small blocks, by size, handed out again before asking the C library. A loop of
   * small ops frees and allocates the same few sizes over and over; for blocks of a few KB, glibc's
   * aligned_alloc and free (no thread cache at these sizes, plus the alignment split) were ~15% of
   * a 1000-element add. Arrow's accounting is untouched: a cached block belongs to no buffer and is
   * not counted in {@link Memory#bytesInUse()}; the cache holds at most 16 MB.
   */
  private static final class BlockCache {
    static final long MAX_BLOCK = 64 << 10;
    static final long MAX_CACHED = 16 << 20;
    private final long[][] stacks = new long[(int) (MAX_BLOCK / ALIGNMENT) + 1][];
    private final int[] counts = new int[stacks.length];
    private long cachedBytes;

    synchronized long take(long rounded) {
      if (rounded > MAX_BLOCK) {
        return 0;
      }
      int c = (int) (rounded / ALIGNMENT);
      if (counts[c] == 0) {
        return 0;
      }
      cachedBytes -= rounded;
      return stacks[c][--counts[c]];
    }

    synchronized boolean put(long address, long rounded) {
      if (rounded > MAX_BLOCK || cachedBytes + rounded > MAX_CACHED) {
        return false;
      }
      int c = (int) (rounded / ALIGNMENT);
      long[] st = stacks[c];
      if (st == null || counts[c] == st.length) {
        st = java.util.Arrays.copyOf(st == null ? new long[0] : st, Math.max(16, counts[c] * 2));
        stacks[c] = st;
      }
      st[counts[c]++] = address;
      cachedBytes += rounded;
      return true;
    }
  }

  /**
   * Freed blocks above {@link BlockCache#MAX_BLOCK}, by exact size, handed out again before asking
   * the C library, up to {@link #MAX_CACHED} bytes in all. Why: a training step allocates the same
   * large buffers in its scope every step (an LSTM's gates and states, megabytes each) and frees
   * them when the scope closes. Given back to glibc, whether the next step's buffers came back on
   * pages still mapped or on fresh ones depended on the malloc arena's layout, which differs from
   * JVM to JVM and drifts within one: in a slow JVM the kernels took 5-10 thousand page faults a
   * second on their first writes, and the same LSTM step took 2-3 times the CPU of the JVM beside
   * it, for the JVM's whole life (docs/benchmarks.md, "A JVM slow for its whole life"). Reused
   * here, a step's buffers are the same pages every step. Blocks above {@link #MAX_BLOCK} still go
   * back to the C library at once; a full cache frees the sizes least recently used to keep a new
   * one; {@link Memory#collect()} empties the cache, and so does an allocation the C library
   * refuses, before it is tried again.
   */
  static final class LargeBlocks {
    static final long MAX_BLOCK = Long.getLong("quiver.memory.largeBlockMax", 64L << 20);
    static final long MAX_CACHED = Long.getLong("quiver.memory.largeCache", 256L << 20);
    private static final long[] NONE = {};

    // Access order: the sizes a loop keeps asking for stay at the end; a full cache makes room by
    // freeing the sizes least recently freed or taken, so one-off sizes (a dataset's temporaries)
    // cannot hold the budget and leave a training loop's buffers to the C library again.
    private final LinkedHashMap<Long, ArrayDeque<Long>> bySize =
        new LinkedHashMap<>(16, 0.75f, true);
    private long cachedBytes;

    synchronized long take(long rounded) {
      var stack = bySize.get(rounded);
      if (stack == null || stack.isEmpty()) {
        return 0;
      }
      cachedBytes -= rounded;
      return stack.pop();
    }

    /**
     * Keeps the block, making room by evicting other sizes' blocks; returns the evicted addresses
     * for the caller to free, or null when the block is not kept (larger than {@link #MAX_BLOCK} or
     * than the whole budget) and the caller frees it.
     */
    synchronized long[] put(long address, long rounded) {
      if (rounded > MAX_BLOCK || rounded > MAX_CACHED) {
        return null;
      }
      long[] evicted = NONE;
      int n = 0;
      var sizes = bySize.entrySet().iterator();
      while (cachedBytes + rounded > MAX_CACHED && sizes.hasNext()) {
        var entry = sizes.next();
        var stack = entry.getValue();
        while (!stack.isEmpty() && cachedBytes + rounded > MAX_CACHED) {
          if (n == evicted.length) {
            evicted = Arrays.copyOf(evicted, Math.max(4, 2 * n));
          }
          evicted[n++] = stack.pop();
          cachedBytes -= entry.getKey();
        }
        if (stack.isEmpty()) {
          sizes.remove();
        }
      }
      bySize.computeIfAbsent(rounded, k -> new ArrayDeque<>()).push(address);
      cachedBytes += rounded;
      return n == evicted.length ? evicted : Arrays.copyOf(evicted, n);
    }

    /** Empties the cache; the caller frees the returned addresses. */
    synchronized long[] drain() {
      long[] out =
          bySize.values().stream().flatMap(d -> d.stream()).mapToLong(Long::longValue).toArray();
      bySize.clear();
      cachedBytes = 0;
      return out;
    }

    synchronized long cachedBytes() {
      return cachedBytes;
    }
  }

  /** Bytes of large blocks held for reuse ({@link LargeBlocks}), not counted as in use. */
  static long largeCachedBytes() {
    return LARGE.cachedBytes();
  }

  /** Gives the cached large blocks back to the C library ({@link Memory#collect()}). */
  static void releaseLargeBlocks() {
    for (long address : LARGE.drain()) {
      free(address);
    }
  }

  private static MemorySegment alignedAlloc(long bytes) {
    try {
      return (MemorySegment) ALIGNED_ALLOC.invokeExact(ALIGNMENT, bytes);
    } catch (Throwable t) {
      throw new IllegalStateException("aligned_alloc failed for " + bytes + " bytes", t);
    }
  }

  private static void free(long address) {
    try {
      FREE.invokeExact(MemorySegment.ofAddress(address));
    } catch (Throwable t) {
      throw new IllegalStateException("free failed", t);
    }
  }

  private static long allocate(long bytes, BufferAllocator accounting) {
    MemorySegment p = alignedAlloc(bytes);
    if (p.address() == 0 && LARGE.cachedBytes() > 0) {
      // The blocks held for reuse may be what is missing: give them back and ask once more.
      releaseLargeBlocks();
      p = alignedAlloc(bytes);
    }
    if (p.address() == 0) {
      // The root's count is Memory.bytesInUse(): every tensor allocator is the root or a child of
      // it.
      throw new OutOfMemoryError(
          "could not allocate "
              + bytes
              + " bytes of native tensor memory ("
              + accounting.getRoot().getAllocatedMemory()
              + " bytes in use by tensors)");
    }
    return p.address();
  }

  @Override
  public long getSize() {
    return size;
  }

  @Override
  protected long memoryAddress() {
    return address;
  }

  @Override
  protected void release0() {
    if (rounded <= BlockCache.MAX_BLOCK) {
      if (!CACHE.put(address, rounded)) {
        free(address);
      }
      return;
    }
    long[] evicted = LARGE.put(address, rounded);
    if (evicted == null) {
      free(address);
      return;
    }
    for (long old : evicted) {
      free(old);
    }
  }
}
