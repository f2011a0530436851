package dev.quiver.runtime.memory;

import dev.quiver.runtime.Device;
import java.lang.foreign.MemorySegment;
import org.apache.arrow.memory.ArrowBuf;

/**
 * Tensor bytes in host memory: an Arrow buffer from {@link Memory#allocator()} seen as a {@link
 * MemorySegment}, which is what the Vector API kernels load from.
 *
 * <p>Who frees it: the {@link MemoryScope} that was current when it was allocated, when that scope
 * closes; or, outside any scope, the {@link Reclaimer} once no tensor refers to it any more.
 */
public final class HostStorage extends ManagedStorage {
  /**
   * Small GC-managed float32 tensors on the Java heap ({@code -Dquiver.memory.heap=true}): see
   * {@link #allocate(long, Class, MemoryScope)}.
   */
  static final boolean HEAP = Boolean.getBoolean("quiver.memory.heap");

  /**
   * The largest tensor, in bytes, that {@link #HEAP} puts on the Java heap: at most a small chunk's
   * block, which is where it goes if a kernel needs it in native memory ({@link #segment()}).
   */
  static final long HEAP_MAX =
      Math.min(Long.getLong("quiver.memory.heapMax", SmallChunks.MAX_BLOCK), SmallChunks.MAX_BLOCK);

  private static final Runnable NOTHING = () -> {};

  /**
   * Changes once at most: a slab storage copied out of its scope ({@link #moveTo}), or a heap one
   * moved off the heap ({@link #segment()}).
   */
  private volatile MemorySegment segment;

  /** A tensor on the Java heap: its array; {@code null} for native memory and once moved off. */
  private volatile float[] heap;

  /** A heap tensor's block of native memory once it was moved off the heap: held, so kept. */
  private SmallChunks.Block offHeap;

  /** The scope's slab this storage's block lies in, or {@code null}. */
  private final ScopeSlab slab;

  /**
   * For a slab storage: its copy once it was handed to another owner (everything is then asked of
   * the copy), or itself once it was released alone; {@code null} while it lives in the slab.
   */
  private volatile HostStorage away;

  private HostStorage(long byteSize, MemoryScope owner, ArrowBuf buffer) {
    // The release action closes the buffer, never this storage: the reclaimer must be able to
    // find the storage unreachable.
    super(byteSize, owner, buffer::close);
    this.slab = null;
    // The global-scope segment is as fast as it gets for the JIT; use-after-free is prevented by
    // the released check in segment(), since Arrow owns the lifetime, not an Arena.
    this.segment = MemorySegment.ofAddress(buffer.memoryAddress()).reinterpret(byteSize);
  }

  /**
   * A small GC-managed tensor: its block (the release action) holds the chunk the bytes live in,
   * which is freed once no storage holds it.
   */
  private HostStorage(long byteSize, SmallChunks.Block block) {
    super(byteSize, block);
    this.slab = null;
    this.segment = block.segment();
  }

  /** A small GC-managed float32 tensor on the Java heap: the collector frees the array. */
  private HostStorage(long byteSize, float[] heap) {
    super(byteSize, new Release(NOTHING));
    this.slab = null;
    this.heap = heap;
    this.segment = MemorySegment.ofArray(heap);
  }

  /** A small tensor of a scope: a block of the scope's slab, freed when the scope closes. */
  private HostStorage(long byteSize, ScopeSlab slab, MemoryScope owner) {
    super(byteSize, slab, owner);
    this.slab = slab;
    this.segment = slab.allocate(byteSize, HostStorage::slabChunk);
  }

  /**
   * {@code carrier}: the element type ({@code null}: unknown); a small GC-managed float32 tensor
   * goes on the Java heap when {@link #HEAP} is on.
   */
  private static HostStorage create(long byteSize, Class<?> carrier, MemoryScope owner) {
    if (owner != null && owner.isClosed()) {
      owner = null;
    }
    if (owner != null) {
      if (byteSize > 0 && byteSize <= ScopeSlab.MAX_BLOCK) {
        ScopeSlab s = owner.slab();
        if (s != null) {
          return new HostStorage(byteSize, s, owner);
        }
      }
    } else {
      if (HEAP && carrier == float.class && byteSize > 0 && byteSize <= HEAP_MAX) {
        return new HostStorage(byteSize, new float[(int) ((byteSize + 3) >>> 2)]);
      }
      if (byteSize > 0 && byteSize <= SmallChunks.MAX_BLOCK) {
        return new HostStorage(byteSize, SmallChunks.allocate(byteSize, HostStorage::chunkBuffer));
      }
      Memory.beforeManagedAllocation(byteSize);
    }
    return new HostStorage(byteSize, owner, Memory.allocator().buffer(Math.max(byteSize, 1)));
  }

  /**
   * A new chunk for {@link SmallChunks}: GC-managed memory, so it may first ask for a collection.
   */
  private static ArrowBuf chunkBuffer(long bytes) {
    Memory.beforeManagedAllocation(bytes);
    return Memory.allocator().buffer(bytes);
  }

  /** A new chunk for a {@link ScopeSlab}: scoped memory, so no collection is asked for. */
  private static ArrowBuf slabChunk(long bytes) {
    return Memory.allocator().buffer(bytes);
  }

  /** Memory of its own (never a slab's, never the heap's) owned by {@code owner}. */
  private static HostStorage createOutsideSlab(long byteSize, MemoryScope owner) {
    if (owner != null && owner.isClosed()) {
      owner = null;
    }
    if (owner == null && byteSize <= SmallChunks.MAX_BLOCK) {
      return new HostStorage(byteSize, SmallChunks.allocate(byteSize, HostStorage::chunkBuffer));
    }
    if (owner == null) {
      Memory.beforeManagedAllocation(byteSize);
    }
    return new HostStorage(byteSize, owner, Memory.allocator().buffer(Math.max(byteSize, 1)));
  }

  /**
   * Memory for {@code byteSize} bytes of elements of type {@code carrier} ({@code float.class},
   * {@code double.class}, {@code int.class}) owned by {@code owner} ({@code null}: the garbage
   * collector). With {@code -Dquiver.memory.heap=true}, a GC-managed float32 tensor of at most
   * {@link #HEAP_MAX} bytes is a {@code float[]} on the Java heap (zeroed), so the collector sees
   * its size and reuses its memory after the next young collection, as any Java object's: a loop of
   * small GC-managed ops then writes into memory still in the cache. Kernels that take heap arrays
   * read it through {@link #heapFloats()}; any other use of {@link #segment()} moves it to native
   * memory first, for good.
   */
  public static HostStorage allocate(long byteSize, Class<?> carrier, MemoryScope owner) {
    return create(byteSize, carrier, owner);
  }

  /**
   * Allocates uninitialised memory owned by the current thread's scope (or the garbage collector).
   */
  public static HostStorage allocate(long byteSize) {
    return create(byteSize, null, MemoryScope.current());
  }

  /**
   * Allocates uninitialised memory owned by {@code owner} ({@code null}: the garbage collector).
   */
  public static HostStorage allocate(long byteSize, MemoryScope owner) {
    return create(byteSize, null, owner);
  }

  /**
   * The bytes in native memory, for kernels: a tensor on the Java heap is moved off it first (see
   * {@link #heapFloats()}). Throws if the storage was released, e.g. by closing its scope.
   */
  public MemorySegment segment() {
    checkLive();
    return heap == null ? segment : offHeap();
  }

  /**
   * The bytes where they are, on the Java heap or not: for bulk copies and single elements, never
   * for the Vector API's segment accesses (see {@link #heapFloats()}).
   */
  public MemorySegment memory() {
    checkLive();
    return segment;
  }

  /**
   * The array of a float32 tensor on the Java heap (element {@code i} of the storage at index
   * {@code i}), or {@code null} for native memory. A heap segment must never reach {@code
   * FloatVector.fromMemorySegment}/{@code intoMemorySegment}: their type profiles in the JDK are
   * shared by every caller, and once they have seen a heap segment C2 stops intrinsifying them for
   * native memory too (training several times slower). Kernels read heap tensors as arrays.
   */
  public float[] heapFloats() {
    float[] h = heap;
    if (h != null) {
      checkLive();
    }
    return h;
  }

  private void checkLive() {
    if (isReleased()) {
      throw new IllegalStateException(
          "this tensor's memory was released (its MemoryScope closed). "
              + "Keep tensors that must outlive a scope with scope.keep(tensor).");
    }
  }

  /** Moves a heap tensor's bytes to a small chunk's block, once; the array is left to the GC. */
  private synchronized MemorySegment offHeap() {
    float[] h = heap;
    if (h != null) {
      SmallChunks.Block block = SmallChunks.allocate(byteSize(), HostStorage::chunkBuffer);
      MemorySegment.copy(segment, 0, block.segment(), 0, byteSize());
      offHeap = block;
      segment = block.segment();
      heap = null;
    }
    return segment;
  }

  @Override
  public boolean isReleased() {
    if (slab == null) {
      return super.isReleased();
    }
    HostStorage a = away;
    return a != null ? a == this || a.isReleased() : slab.get();
  }

  @Override
  public void release() {
    if (slab == null) {
      super.release();
      return;
    }
    synchronized (this) {
      HostStorage a = away;
      if (a != null) {
        if (a != this) {
          a.release();
        }
      } else if (slab.giveBack(byteSize(), null)) {
        away = this;
      }
    }
  }

  @Override
  public MemoryScope owner() {
    HostStorage a = slab == null ? null : away;
    return a == null || a == this ? super.owner() : a.owner();
  }

  /**
   * Hands this storage to {@code target}; a slab storage is first copied out of its scope's slab
   * (the slab's memory goes back to the pool when the scope closes), then everything is asked of
   * the copy.
   */
  @Override
  public synchronized void moveTo(MemoryScope target) {
    if (slab == null) {
      super.moveTo(target);
      return;
    }
    HostStorage a = away;
    if (a != null) {
      if (a != this) {
        a.moveTo(target);
      }
      return;
    }
    if (target != null && target.isClosed()) {
      target = null;
    }
    if (target == super.owner()) {
      return;
    }
    long bytes = byteSize();
    MemoryScope to = target;
    HostStorage[] copy = new HostStorage[1];
    if (slab.giveBack(
        bytes,
        () -> {
          copy[0] = createOutsideSlab(bytes, to);
          MemorySegment.copy(segment, 0, copy[0].segment, 0, bytes);
        })) {
      segment = copy[0].segment;
      away = copy[0];
    }
  }

  @Override
  public Device device() {
    return Device.CPU;
  }
}
