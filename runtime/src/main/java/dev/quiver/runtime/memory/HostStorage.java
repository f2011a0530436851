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
   * Small GC-managed tensors on the Java heap ({@code -Dquiver.memory.heap=true}): see {@link
   * #allocate(long, Class, MemoryScope)}.
   */
  static final boolean HEAP = Boolean.getBoolean("quiver.memory.heap");

  /** The largest tensor, in bytes, that {@link #HEAP} puts on the Java heap. */
  static final long HEAP_MAX = Long.getLong("quiver.memory.heapMax", ScopeSlab.MAX_BLOCK);

  private static final Runnable NOTHING = () -> {};

  /** Changes once at most: when a slab storage is copied out of its scope ({@link #moveTo}). */
  private volatile MemorySegment segment;

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

  /** A small GC-managed tensor on the Java heap: the collector frees the array. */
  private HostStorage(long byteSize, MemorySegment heap) {
    super(byteSize, new Release(NOTHING));
    this.slab = null;
    this.segment = heap;
  }

  /** A tensor of a scope on the Java heap: the scope marks it released, the collector frees it. */
  private HostStorage(long byteSize, MemorySegment heap, MemoryScope owner) {
    super(byteSize, owner, NOTHING);
    this.slab = null;
    this.segment = heap;
  }

  /** A small tensor of a scope: a block of the scope's slab, freed when the scope closes. */
  private HostStorage(long byteSize, ScopeSlab slab, int kind, MemoryScope owner) {
    super(byteSize, slab, owner);
    this.slab = slab;
    this.segment = slab.allocate(byteSize, kind, HostStorage::slabChunk);
  }

  /**
   * {@code carrier}: the element type ({@code null}: unknown), which places a small tensor on the
   * Java heap when {@link #HEAP} is on.
   */
  private static HostStorage create(long byteSize, Class<?> carrier, MemoryScope owner) {
    if (owner != null && owner.isClosed()) {
      owner = null;
    }
    int kind = HEAP && carrier != null ? heapKind(carrier) : ScopeSlab.NATIVE;
    if (owner != null) {
      if (byteSize > 0 && byteSize <= ScopeSlab.MAX_BLOCK) {
        ScopeSlab s = owner.slab();
        if (s != null) {
          return new HostStorage(byteSize, s, kind, owner);
        }
      }
      if (kind != ScopeSlab.NATIVE && byteSize > 0 && byteSize <= HEAP_MAX) {
        return new HostStorage(byteSize, heapSegment(byteSize, kind), owner);
      }
    } else {
      if (kind != ScopeSlab.NATIVE && byteSize > 0 && byteSize <= HEAP_MAX) {
        return new HostStorage(byteSize, heapSegment(byteSize, kind));
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

  /**
   * Memory of its own (never a slab's) owned by {@code owner}, for a slab storage's copy: of {@code
   * kind} when that is a heap array's and the garbage collector owns it.
   */
  private static HostStorage createOutsideSlab(long byteSize, int kind, MemoryScope owner) {
    if (owner != null && owner.isClosed()) {
      owner = null;
    }
    if (owner == null && kind != ScopeSlab.NATIVE && byteSize <= HEAP_MAX) {
      return new HostStorage(byteSize, heapSegment(byteSize, kind));
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
   * collector). With {@code -Dquiver.memory.heap=true}, a GC-managed tensor of at most {@link
   * #HEAP_MAX} bytes is an array of that type on the Java heap (zeroed), so the collector sees its
   * size and its memory is reused after the next young collection, as any Java object's: a loop of
   * small GC-managed ops then writes into memory still in the cache. The array's element type is
   * the tensor's, so that the Vector API's loads and stores on it are intrinsics.
   */
  public static HostStorage allocate(long byteSize, Class<?> carrier, MemoryScope owner) {
    return create(byteSize, carrier, owner);
  }

  private static int heapKind(Class<?> carrier) {
    if (carrier == float.class) {
      return ScopeSlab.FLOATS;
    }
    if (carrier == double.class) {
      return ScopeSlab.DOUBLES;
    }
    return carrier == int.class ? ScopeSlab.INTS : ScopeSlab.NATIVE;
  }

  /** The kind of {@code segment}'s memory: native, or a heap array of one element type. */
  private static int kindOf(MemorySegment segment) {
    Object base = segment.heapBase().orElse(null);
    if (base instanceof float[]) {
      return ScopeSlab.FLOATS;
    }
    if (base instanceof double[]) {
      return ScopeSlab.DOUBLES;
    }
    return base instanceof int[] ? ScopeSlab.INTS : ScopeSlab.NATIVE;
  }

  private static MemorySegment heapSegment(long bytes, int kind) {
    return switch (kind) {
      case ScopeSlab.DOUBLES -> MemorySegment.ofArray(new double[(int) ((bytes + 7) >>> 3)]);
      case ScopeSlab.INTS -> MemorySegment.ofArray(new int[(int) ((bytes + 3) >>> 2)]);
      default -> MemorySegment.ofArray(new float[(int) ((bytes + 3) >>> 2)]);
    };
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

  /** The bytes, for kernels. Throws if the storage was released, e.g. by closing its scope. */
  public MemorySegment segment() {
    if (isReleased()) {
      throw new IllegalStateException(
          "this tensor's memory was released (its MemoryScope closed). "
              + "Keep tensors that must outlive a scope with scope.keep(tensor).");
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
      } else if (slab.giveBack(byteSize(), segment.isNative(), null)) {
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
    int kind = kindOf(segment);
    HostStorage[] copy = new HostStorage[1];
    if (slab.giveBack(
        bytes,
        kind == ScopeSlab.NATIVE,
        () -> {
          copy[0] = createOutsideSlab(bytes, kind, to);
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
