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

  /** A small tensor of a scope: a block of the scope's slab, freed when the scope closes. */
  private HostStorage(long byteSize, ScopeSlab slab, MemoryScope owner) {
    super(byteSize, slab, owner);
    this.slab = slab;
    this.segment = slab.allocate(byteSize, HostStorage::slabChunk);
  }

  private static HostStorage create(long byteSize, MemoryScope owner) {
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

  /** Memory of its own (never a slab's) owned by {@code owner}, for a slab storage's copy. */
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
   * Allocates uninitialised memory owned by the current thread's scope (or the garbage collector).
   */
  public static HostStorage allocate(long byteSize) {
    return create(byteSize, MemoryScope.current());
  }

  /**
   * Allocates uninitialised memory owned by {@code owner} ({@code null}: the garbage collector).
   */
  public static HostStorage allocate(long byteSize, MemoryScope owner) {
    return create(byteSize, owner);
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
