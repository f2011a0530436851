package dev.quiver.runtime.memory;

import java.lang.foreign.MemorySegment;
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
 * <p>Taking a block is one atomic increment on the chunk being filled: no lock and no shared
 * counter per tensor (a tensor of a loop of small ops is made in about a microsecond, and a lock,
 * three atomic updates and two extra objects per block were a measurable part of it). The bytes no
 * tensor uses are counted when asked ({@link #unusedBytes()}), not per block.
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

  /**
   * The chunk each size class is filling: held here only until it is full or retired. Written under
   * its own lock, read without one (a stale chunk is a full one, and its taker comes back here).
   */
  private static final Chunk[] filling = new Chunk[CLASSES];

  /**
   * Bytes of live chunks that no tensor uses and that are not in a chunk being filled: blocks of
   * tensors closed explicitly, and what a retired chunk had left. {@code Memory.bytesInUse()}
   * leaves them out ({@link #unusedBytes()}), so it still counts what tensors hold.
   */
  private static final AtomicLong unused = new AtomicLong();

  private SmallChunks() {}

  /** Bytes of live chunks that no tensor holds, the rest of the chunks being filled included. */
  static long unusedBytes() {
    long bytes = unused.get();
    for (int i = 0; i < CLASSES; i++) {
      Chunk c = filling[i];
      if (c != null) {
        bytes += (long) (BLOCKS_PER_CHUNK - Math.min(c.next.get(), BLOCKS_PER_CHUNK)) * c.blockSize;
      }
    }
    return bytes;
  }

  /** One Arrow buffer of {@link #BLOCKS_PER_CHUNK} blocks of one size; its tensors hold it. */
  static final class Chunk {
    final MemorySegment memory;
    final int blockSize;

    /** The next block to hand out; {@link #BLOCKS_PER_CHUNK} or more: full (or retired). */
    final AtomicInteger next = new AtomicInteger();

    /** Shared with the chunk's release action, which must not refer to the chunk itself. */
    final AtomicInteger counted;

    private Chunk(MemorySegment memory, int blockSize, AtomicInteger counted) {
      this.memory = memory;
      this.blockSize = blockSize;
      this.counted = counted;
    }

    /** Blocks not handed out, counting as unused from now on: the chunk takes no more. */
    void retire() {
      int taken = Math.min(next.getAndSet(BLOCKS_PER_CHUNK), BLOCKS_PER_CHUNK);
      countUnused(this.counted, BLOCKS_PER_CHUNK - taken, blockSize);
    }
  }

  /** {@code blocks} more of a chunk's blocks count in {@link #unused} (its {@code counted}). */
  private static void countUnused(AtomicInteger counted, int blocks, int blockSize) {
    if (blocks > 0) {
      counted.addAndGet(blocks);
      unused.addAndGet((long) blocks * blockSize);
    }
  }

  /**
   * A block's hold on its chunk, and the storage's release: releasing a tensor explicitly (its
   * scope closed, {@code close()}) drops the hold, so a closed tensor that is still reachable does
   * not pin its chunk, and counts the block as unused.
   */
  static final class Block extends Release {
    private final MemorySegment segment;
    private Chunk chunk;

    private Block(Chunk chunk, MemorySegment segment) {
      this.chunk = chunk;
      this.segment = segment;
    }

    MemorySegment segment() {
      return segment;
    }

    @Override
    void free() {
      // Runs once (Release's flag), so the plain field needs no more care.
      Chunk c = chunk;
      chunk = null;
      countUnused(c.counted, 1, c.blockSize);
    }
  }

  /**
   * A block of at least {@code bytes} (at most {@link #MAX_BLOCK}), uninitialised; {@code
   * newBuffer} allocates a chunk's memory when a new chunk is needed (the caller's allocator and
   * its accounting: this class knows neither).
   */
  static Block allocate(long bytes, LongFunction<ArrowBuf> newBuffer) {
    int c = sizeClass(bytes);
    while (true) {
      Chunk chunk = filling[c];
      if (chunk != null) {
        int index = chunk.next.getAndIncrement();
        if (index < BLOCKS_PER_CHUNK) {
          return new Block(chunk, chunk.memory.asSlice((long) index * chunk.blockSize, bytes));
        }
      }
      synchronized (filling) {
        if (filling[c] == chunk) {
          // Full (or none yet): from now on only its tensors keep it.
          filling[c] = newChunk(64 << c, newBuffer);
        }
      }
    }
  }

  /**
   * Lets the chunks being filled go, so that a chunk whose tensors all died can be freed: {@code
   * Memory.collect()} calls it before collecting, or those chunks would look like a leak.
   */
  static void retireFilling() {
    synchronized (filling) {
      for (int c = 0; c < CLASSES; c++) {
        if (filling[c] != null) {
          filling[c].retire();
          filling[c] = null;
        }
      }
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
    AtomicInteger counted = new AtomicInteger();
    Chunk chunk =
        new Chunk(
            MemorySegment.ofAddress(buffer.memoryAddress()).reinterpret(bytes), blockSize, counted);
    // The release frees the buffer and settles the accounting; it must not refer to the chunk, or
    // the chunk could never become unreachable.
    Reclaimer.register(
        chunk,
        () -> {
          unused.addAndGet(-(long) counted.get() * blockSize);
          buffer.close();
        });
    return chunk;
  }
}
