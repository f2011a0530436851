package dev.quiver.runtime.testing;

import dev.quiver.runtime.Device;
import dev.quiver.runtime.memory.HostStorage;
import dev.quiver.runtime.memory.MemoryScope;
import dev.quiver.runtime.memory.Storage;

/**
 * Memory of the simulated device. The bytes are host memory, but only {@link SimulatedBackend} can
 * reach them: this is deliberately not a {@link HostStorage}, so any code that reads a tensor's
 * elements through {@code hostSegment()} instead of its backend fails on it, as it would on a GPU.
 * Lifetime (scopes, the garbage collector) is the wrapped host allocation's.
 */
final class SimulatedStorage implements Storage {
  private final HostStorage host;
  private final Device device;

  SimulatedStorage(HostStorage host, Device device) {
    this.host = host;
    this.device = device;
  }

  /** The private host memory: for the simulated backend only. */
  HostStorage host() {
    return host;
  }

  @Override
  public long byteSize() {
    return host.byteSize();
  }

  @Override
  public Device device() {
    return device;
  }

  @Override
  public boolean isReleased() {
    return host.isReleased();
  }

  @Override
  public void release() {
    host.release();
  }

  @Override
  public MemoryScope owner() {
    return host.owner();
  }

  @Override
  public void moveTo(MemoryScope target) {
    host.moveTo(target);
  }
}
