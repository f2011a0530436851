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

  /** Chunks no scope is using, the one given back last on top. */
  private static final ArrayDeque<Chunk> POOL = new ArrayDeque<>();

  private final ArrayList<Chunk> chunks = new ArrayList<>(4);
  private Chunk current;
  private long top;

  /** Rounded bytes and blocks handed out (the scope's thread only). */
  private long allocated;

  private int count;

  /** Rounded bytes and blocks given back before the close (under this slab's lock). */
  private long givenBack;

  private int givenBackCount;

  ScopeSlab() {
    super();
  }

  /** One Arrow buffer of {@link #CHUNK} bytes, seen as a segment. */
  private record Chunk(ArrowBuf buffer, MemorySegment memory) {}

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
  MemorySegment allocate(long bytes, LongFunction<ArrowBuf> newChunk) {
    long r = rounded(bytes);
    if (current == null || top + r > CHUNK) {
      current = takeChunk(newChunk);
      chunks.add(current);
      top = 0;
    }
    MemorySegment block = current.memory.asSlice(top, bytes);
    top += r;
    allocated += r;
    count++;
    FREE.addAndGet(-r);
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
  synchronized boolean giveBack(long bytes, Runnable copy) {
    if (get()) {
      return false;
    }
    if (copy != null) {
      copy.run();
    }
    long r = rounded(bytes);
    givenBack += r;
    givenBackCount++;
    FREE.addAndGet(r);
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
    synchronized (POOL) {
      for (int i = chunks.size() - 1; i >= 0; i--) {
        Chunk c = chunks.get(i);
        if (POOL.size() < MAX_POOLED) {
          POOL.push(c);
        } else {
          FREE.addAndGet(-CHUNK);
          c.buffer.close();
        }
      }
    }
    chunks.clear();
    current = null;
  }

  @Override
  void free() {
    // The flag is set by close() only; run() is never called on a slab.
  }

  private static Chunk takeChunk(LongFunction<ArrowBuf> newChunk) {
    synchronized (POOL) {
      Chunk c = POOL.poll();
      if (c != null) {
        return c;
      }
    }
    ArrowBuf buffer = newChunk.apply(CHUNK);
    FREE.addAndGet(CHUNK);
    return new Chunk(buffer, MemorySegment.ofAddress(buffer.memoryAddress()).reinterpret(CHUNK));
  }

  /** Frees the pooled chunks ({@link Memory#collect()}): their memory goes back to the system. */
  static void trimPool() {
    synchronized (POOL) {
      Chunk c;
      while ((c = POOL.poll()) != null) {
        FREE.addAndGet(-CHUNK);
        c.buffer.close();
      }
    }
  }
}
