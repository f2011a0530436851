package dev.quiver.runtime.memory;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import org.apache.arrow.memory.ArrowBuf;

/**
 * Memory for the small tensors of one {@link MemoryScope}, made on the scope's own thread: blocks
 * bump-allocated from chunks of {@value #CHUNK} bytes, all given back at once when the scope
 * closes, and the chunks handed to the next scope (last given back, first taken), so that a loop of
 * small ops in a scope per step writes into memory that is still in the cache.
 *
 * <p>Why: a small tensor with an Arrow buffer of its own costs an allocation manager, a ledger, a
 * buffer, the allocator's accounting (three atomic updates and {@code System.nanoTime}), a place in
 * the scope's list and a release on close: more than a 1000-element add itself. Here it is a bump
 * of a pointer and one atomic add (the accounting of {@link Memory#bytesInUse()}).
 *
 * <p>The slab is the storages' shared release flag: closing the scope sets it, and every storage of
 * the slab then reads as released. A storage released alone (a tensor closed by hand) keeps its
 * bytes until the scope closes but no longer counts as in use; a storage handed to another owner
 * ({@link HostStorage#moveTo}) is copied out first, since its block dies with the scope.
 */
final class ScopeSlab extends Release {
  /** The largest tensor a slab holds, in bytes; larger ones get a buffer of their own. */
  static final long MAX_BLOCK = 16 << 10;

  /** Bytes per chunk: sixteen of the largest blocks. */
  static final long CHUNK = 256 << 10;

  /** Chunks kept for the next scopes when their scope closes: 16 MB at most. */
  static final int MAX_POOLED = 64;

  /**
   * Bytes of slab chunks that no live tensor holds: pooled chunks, the rest of the chunks being
   * filled, blocks released alone or copied out. {@link Memory#bytesInUse()} leaves them out.
   */
  private static final AtomicLong FREE = new AtomicLong();

  /**
   * Chunks no scope is using, the one given back last on top, one pool per kind ({@link #NATIVE}
   * and, with {@code -Dquiver.memory.heap=true}, the Java heap's {@link #FLOATS}, {@link #DOUBLES},
   * {@link #INTS}).
   */
  @SuppressWarnings("unchecked")
  private static final ArrayDeque<Chunk>[] POOLS =
      new ArrayDeque[] {
        new ArrayDeque<>(), new ArrayDeque<>(), new ArrayDeque<>(), new ArrayDeque<>()
      };

  /** Kinds of chunk: native memory, or an array on the Java heap of one element type. */
  static final int NATIVE = 0;

  static final int FLOATS = 1;
  static final int DOUBLES = 2;
  static final int INTS = 3;

  private final ArrayList<Chunk> chunks = new ArrayList<>(4);

  /** The chunk being filled of each kind, and its top. */
  private final Chunk[] current = new Chunk[4];

  private final long[] top = new long[4];

  /** Rounded bytes and blocks handed out (the scope's thread only). */
  private long allocated;

  private int count;

  /** Rounded bytes and blocks given back before the close (under this slab's lock). */
  private long givenBack;

  private int givenBackCount;

  ScopeSlab() {
    super();
  }

  /**
   * {@link #CHUNK} bytes: an Arrow buffer seen as a segment ({@code buffer} not null), or an array
   * of the Java heap.
   */
  private record Chunk(ArrowBuf buffer, MemorySegment memory, int kind) {}

  /** Bytes of slab memory no live tensor holds. */
  static long freeBytes() {
    return FREE.get();
  }

  /** The block size {@code bytes} takes in a slab: whole cache lines. */
  static long rounded(long bytes) {
    return (bytes + 63) & -64L;
  }

  /**
   * A block of {@code bytes} (1 to {@link #MAX_BLOCK}), uninitialised. The scope's thread only, and
   * only while the scope is open. {@code newChunk} allocates a chunk's memory when the pool has
   * none (the caller's allocator and its accounting: this class knows neither).
   */
  MemorySegment allocate(long bytes, int kind, LongFunction<ArrowBuf> newChunk) {
    long r = rounded(bytes);
    Chunk c = current[kind];
    long at = top[kind];
    if (c == null || at + r > CHUNK) {
      current[kind] = c = takeChunk(kind, newChunk);
      chunks.add(c);
      at = 0;
    }
    MemorySegment block = c.memory.asSlice(at, bytes);
    top[kind] = at + r;
    count++;
    if (kind == NATIVE) {
      allocated += r;
      FREE.addAndGet(-r);
    }
    return block;
  }

  /** Blocks handed out and not given back: what the scope will free. */
  synchronized int liveBlocks() {
    return get() ? 0 : count - givenBackCount;
  }

  /**
   * Counts a block as given back before the scope closed (released alone, or copied out), and runs
   * {@code copy} under the same lock, so that the scope cannot close and hand the chunk on while
   * the block is being read. False, and nothing ran, when the scope has closed already.
   */
  synchronized boolean giveBack(long bytes, boolean isNative, Runnable copy) {
    if (get()) {
      return false;
    }
    if (copy != null) {
      copy.run();
    }
    givenBackCount++;
    if (isNative) {
      long r = rounded(bytes);
      givenBack += r;
      FREE.addAndGet(r);
    }
    return true;
  }

  /** Closes the slab: every block reads as released, and the chunks go to the next scopes. */
  void close() {
    long live;
    synchronized (this) {
      if (get()) {
        return;
      }
      set(true);
      live = allocated - givenBack;
    }
    FREE.addAndGet(live);
    synchronized (POOLS) {
      for (int i = chunks.size() - 1; i >= 0; i--) {
        Chunk c = chunks.get(i);
        ArrayDeque<Chunk> pool = POOLS[c.kind];
        if (pool.size() < MAX_POOLED) {
          pool.push(c);
        } else if (c.buffer != null) {
          FREE.addAndGet(-CHUNK);
          c.buffer.close();
        }
      }
    }
    chunks.clear();
    java.util.Arrays.fill(current, null);
  }

  @Override
  void free() {
    // The flag is set by close() only; run() is never called on a slab.
  }

  private static Chunk takeChunk(int kind, LongFunction<ArrowBuf> newChunk) {
    synchronized (POOLS) {
      Chunk c = POOLS[kind].poll();
      if (c != null) {
        return c;
      }
    }
    return switch (kind) {
      case FLOATS -> new Chunk(null, MemorySegment.ofArray(new float[(int) (CHUNK / 4)]), kind);
      case DOUBLES -> new Chunk(null, MemorySegment.ofArray(new double[(int) (CHUNK / 8)]), kind);
      case INTS -> new Chunk(null, MemorySegment.ofArray(new int[(int) (CHUNK / 4)]), kind);
      default -> {
        ArrowBuf buffer = newChunk.apply(CHUNK);
        FREE.addAndGet(CHUNK);
        yield new Chunk(
            buffer, MemorySegment.ofAddress(buffer.memoryAddress()).reinterpret(CHUNK), NATIVE);
      }
    };
  }

  /** Frees the pooled chunks ({@link Memory#collect()}): their memory goes back to the system. */
  static void trimPool() {
    synchronized (POOLS) {
      for (ArrayDeque<Chunk> pool : POOLS) {
        Chunk c;
        while ((c = pool.poll()) != null) {
          if (c.buffer != null) {
            FREE.addAndGet(-CHUNK);
            c.buffer.close();
          }
        }
      }
    }
  }
}
