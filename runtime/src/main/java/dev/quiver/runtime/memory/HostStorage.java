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
  private final MemorySegment segment;

  private HostStorage(long byteSize, MemoryScope owner, ArrowBuf buffer) {
    // The release action closes the buffer, never this storage: the reclaimer must be able to
    // find the storage unreachable.
    super(byteSize, owner, buffer::close);
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
    this.segment = block.segment();
  }

  private static HostStorage create(long byteSize, MemoryScope owner) {
    if (owner != null && owner.isClosed()) {
      owner = null;
    }
    if (owner == null) {
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
  public Device device() {
    return Device.CPU;
  }
}
