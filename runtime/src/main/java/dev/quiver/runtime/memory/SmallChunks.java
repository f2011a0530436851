package dev.quiver.runtime.memory;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import org.apache.arrow.memory.ArrowBuf;

/**
 * Memory for small GC-managed tensors: blocks carved from shared Arrow chunks, a chunk freed when
 * none of its tensors is reachable any more.
 *
 * <p>Why: a GC-managed tensor with an Arrow buffer and a phantom reference of its own stays
 * reachable (through the reference and the buffer's bookkeeping) until the collection after it died
 * has been processed, so every temporary of a notebook loop survived one young collection and was
 * copied, with five Arrow objects; a 1000-element {@code add} outside any scope cost three times
 * the add itself. Here a tensor holds its chunk, and only the chunk has a phantom reference:
 * temporaries die young as plain objects, and the Arrow allocation and the reference are paid once
 * per {@value #BLOCKS_PER_CHUNK} tensors.
 *
 * <p>The trade-off: a chunk lives as long as its longest-lived tensor. Blocks are at most {@value
 * #MAX_BLOCK} bytes and a chunk holds {@value #BLOCKS_PER_CHUNK}, so one long-lived tensor keeps at
 * most {@value #BLOCKS_PER_CHUNK} times its size (64 KB at most); tensors in a scope, where
 * lifetimes are known, are never placed here.
 */
final class SmallChunks {
  /** The largest block, in bytes; larger tensors get a buffer of their own. */
  static final long MAX_BLOCK = 4096;

  static final int BLOCKS_PER_CHUNK = 16;

  /** Block sizes: powers of two from one cache line (64 bytes) to {@link #MAX_BLOCK}. */
  private static final int CLASSES = Long.numberOfTrailingZeros(MAX_BLOCK) - 6 + 1;

  /** The chunk each size class is filling: held here only until it is full or retired. */
  private static final Chunk[] filling = new Chunk[CLASSES];

  /**
   * Bytes of live chunks that no tensor uses: the rest of the chunks being filled and the blocks of
   * tensors closed explicitly. {@code Memory.bytesInUse()} leaves them out, so it still counts what
   * tensors hold.
   */
  private static final AtomicLong unused = new AtomicLong();

  private SmallChunks() {}

  static long unusedBytes() {
    return unused.get();
  }

  /** One Arrow buffer of {@link #BLOCKS_PER_CHUNK} blocks of one size; its tensors hold it. */
  static final class Chunk {
    final long address;
    final int blockSize;
    private int used;

    /** Shared with the chunk's release action, which must not refer to the chunk itself. */
    private final Counts counts;

    private Chunk(long address, int blockSize, Counts counts) {
      this.address = address;
      this.blockSize = blockSize;
      this.counts = counts;
    }
  }

  /** Blocks handed out and blocks given back early, for the accounting when the chunk is freed. */
  private static final class Counts {
    final int blockSize;
    final AtomicInteger allocated = new AtomicInteger();
    final AtomicInteger released = new AtomicInteger();

    Counts(int blockSize) {
      this.blockSize = blockSize;
    }

    /** Everything of the chunk not held by a live tensor, when the chunk itself is freed. */
    long unusedAtFree() {
      return (long) (BLOCKS_PER_CHUNK - allocated.get() + released.get()) * blockSize;
    }
  }

  /**
   * A block's hold on its chunk: the storage's release action. Releasing a tensor explicitly (its
   * scope closed, {@code close()}) drops the hold, so a closed tensor that is still reachable does
   * not pin its chunk, and counts the block as unused.
   */
  static final class Block implements Runnable {
    private final MemorySegment segment;
    private volatile Chunk chunk;

    private Block(Chunk chunk, MemorySegment segment) {
      this.chunk = chunk;
      this.segment = segment;
    }

    MemorySegment segment() {
      return segment;
    }

    @Override
    public void run() {
      Chunk c = chunk;
      if (c != null) {
        chunk = null;
        c.counts.released.incrementAndGet();
        unused.addAndGet(c.blockSize);
      }
    }
  }

  /**
   * A block of at least {@code bytes} (at most {@link #MAX_BLOCK}), uninitialised; {@code
   * newBuffer} allocates a chunk's memory when a new chunk is needed (the caller's allocator and
   * its accounting: this class knows neither).
   */
  static Block allocate(long bytes, LongFunction<ArrowBuf> newBuffer) {
    int c = sizeClass(bytes);
    int blockSize = 64 << c;
    Chunk chunk;
    int index;
    synchronized (filling) {
      chunk = filling[c];
      if (chunk == null) {
        chunk = newChunk(blockSize, newBuffer);
        filling[c] = chunk;
      }
      index = chunk.used++;
      if (chunk.used == BLOCKS_PER_CHUNK) {
        filling[c] = null; // full: from now on only its tensors keep it
      }
    }
    chunk.counts.allocated.incrementAndGet();
    unused.addAndGet(-blockSize);
    return new Block(
        chunk,
        MemorySegment.ofAddress(chunk.address + (long) index * blockSize).reinterpret(bytes));
  }

  /**
   * Lets the chunks being filled go, so that a chunk whose tensors all died can be freed: {@code
   * Memory.collect()} calls it before collecting, or those chunks would look like a leak.
   */
  static void retireFilling() {
    synchronized (filling) {
      Arrays.fill(filling, null);
    }
  }

  static int sizeClass(long bytes) {
    if (bytes <= 0 || bytes > MAX_BLOCK) {
      throw new IllegalArgumentException(
          "a small block holds 1 to " + MAX_BLOCK + " bytes, not " + bytes);
    }
    return Math.max(0, 64 - Long.numberOfLeadingZeros(bytes - 1) - 6);
  }

  private static Chunk newChunk(int blockSize, LongFunction<ArrowBuf> newBuffer) {
    long bytes = (long) blockSize * BLOCKS_PER_CHUNK;
    ArrowBuf buffer = newBuffer.apply(bytes);
    Counts counts = new Counts(blockSize);
    Chunk chunk = new Chunk(buffer.memoryAddress(), blockSize, counts);
    unused.addAndGet(bytes);
    // The release frees the buffer and settles the accounting; it must not refer to the chunk, or
    // the chunk could never become unreachable.
    Reclaimer.register(
        chunk,
        () -> {
          unused.addAndGet(-counts.unusedAtFree());
          buffer.close();
        });
    return chunk;
  }
}
