package dev.quiver.runtime.memory;

import dev.quiver.runtime.Device;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.arrow.memory.ArrowBuf;

/**
 * Tensor bytes in host memory: an Arrow buffer from {@link Memory#allocator()} seen as a
 * {@link MemorySegment}, which is what the Vector API kernels load from.
 *
 * <p>Who frees it: the {@link MemoryScope} that was current when it was allocated, when that
 * scope closes; or, outside any scope, the {@link Reclaimer} once no tensor refers to it any more.
 */
public final class HostStorage implements Storage {
  private final long byteSize;
  private final MemorySegment segment;
  private final Release release;
  private volatile MemoryScope owner;
  private volatile Reclaimer.Cleanable cleanable;

  private HostStorage(long byteSize, MemoryScope owner) {
    if (owner == null) {
      Memory.beforeManagedAllocation(byteSize);
    }
    ArrowBuf buffer = Memory.allocator().buffer(Math.max(byteSize, 1));
    this.byteSize = byteSize;
    // The global-scope segment is as fast as it gets for the JIT; use-after-free is prevented by
    // the released check in segment(), since Arrow owns the lifetime, not an Arena.
    this.segment = MemorySegment.ofAddress(buffer.memoryAddress()).reinterpret(byteSize);
    this.release = new Release(buffer);
    this.owner = owner;
    if (owner == null) {
      this.cleanable = Reclaimer.register(this, release);
    } else {
      owner.adopt(this);
    }
  }

  /** Allocates uninitialised memory owned by the current thread's scope (or the garbage collector). */
  public static HostStorage allocate(long byteSize) {
    return new HostStorage(byteSize, MemoryScope.current());
  }

  /** Allocates uninitialised memory owned by {@code owner} ({@code null}: the garbage collector). */
  public static HostStorage allocate(long byteSize, MemoryScope owner) {
    if (owner != null && owner.isClosed()) {
      owner = null;
    }
    return new HostStorage(byteSize, owner);
  }

  /** The bytes, for kernels. Throws if the storage was released, e.g. by closing its scope. */
  public MemorySegment segment() {
    if (release.done.get()) {
      throw new IllegalStateException("this tensor's memory was released (its MemoryScope closed). "
          + "Keep tensors that must outlive a scope with scope.keep(tensor).");
    }
    return segment;
  }

  @Override
  public long byteSize() {
    return byteSize;
  }

  @Override
  public Device device() {
    return Device.CPU;
  }

  @Override
  public boolean isReleased() {
    return release.done.get();
  }

  @Override
  public void release() {
    Reclaimer.Cleanable c = cleanable;
    if (c != null) {
      c.clean();
    } else {
      release.run();
    }
  }

  @Override
  public MemoryScope owner() {
    return owner;
  }

  @Override
  public synchronized void moveTo(MemoryScope target) {
    if (target != null && target.isClosed()) {
      target = null;
    }
    MemoryScope from = owner;
    if (from == target || isReleased()) {
      return;
    }
    if (from != null) {
      from.disown(this);
    }
    owner = target;
    if (target == null) {
      cleanable = Reclaimer.register(this, release);
    } else {
      // The scope now holds it strongly and frees it on close; the cleaner registration stays, but
      // Release is idempotent, so whichever comes second does nothing.
      cleanable = null;
      target.adopt(this);
    }
  }

  /** The reclaimer's action: must not refer to the storage itself, or it would never become unreachable. */
  private static final class Release implements Runnable {
    private final ArrowBuf buffer;
    private final AtomicBoolean done = new AtomicBoolean();

    Release(ArrowBuf buffer) {
      this.buffer = buffer;
    }

    @Override
    public void run() {
      if (done.compareAndSet(false, true)) {
        buffer.close();
      }
    }
  }
}
