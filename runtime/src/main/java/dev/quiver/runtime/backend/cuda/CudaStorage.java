package dev.quiver.runtime.backend.cuda;

import dev.quiver.runtime.Device;
import dev.quiver.runtime.memory.ManagedStorage;
import dev.quiver.runtime.memory.MemoryScope;

/**
 * Tensor bytes in a GPU's memory: one block of the device's {@link CudaAllocator}. Freed like host
 * storage, by its scope or once unreachable; freeing returns the block to the allocator's cache,
 * which is safe while kernels that use it are still queued, because every later user of the block
 * is queued behind them on the same stream.
 */
public final class CudaStorage extends ManagedStorage {
  private final CudaDevice device;
  private final long pointer;

  private CudaStorage(CudaDevice device, long bytes, CudaAllocator.Block block, MemoryScope owner) {
    super(bytes, owner, new Free(device.allocator(), block));
    this.device = device;
    this.pointer = block.pointer();
  }

  static CudaStorage allocate(CudaDevice device, long bytes, MemoryScope owner) {
    if (owner == null || owner.isClosed()) {
      // As host allocation does: free what the collector found unreachable before taking more.
      freeUnreachable();
      device.allocator().beforeManagedAllocation(bytes);
    }
    CudaAllocator.Block block = device.allocator().allocate(bytes);
    return new CudaStorage(device, bytes, block, owner);
  }

  /** The device address of byte 0. Throws if the storage was released, as host storage does. */
  long pointer() {
    if (isReleased()) {
      throw new IllegalStateException(
          "this tensor's memory on "
              + device.device()
              + " was released (its MemoryScope "
              + "closed). Keep tensors that must outlive a scope with scope.keep(tensor).");
    }
    return pointer;
  }

  CudaDevice cudaDevice() {
    return device;
  }

  @Override
  public Device device() {
    return device.device();
  }

  /** Must not refer to the storage, or the storage would never become unreachable. */
  private record Free(CudaAllocator allocator, CudaAllocator.Block block) implements Runnable {
    @Override
    public void run() {
      allocator.free(block);
    }
  }
}
