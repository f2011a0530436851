package dev.quiver.runtime.memory;

/**
 * Storage whose memory lives outside the Java heap (host memory from Arrow, a GPU's memory), freed
 * one of two ways: by the {@link MemoryScope} that owned it when that scope closes, or by the
 * {@link Reclaimer} once no tensor refers to it.
 *
 * <p>Why a base class here rather than in each backend: scopes and the reclaimer are
 * package-private on purpose (users must not adopt storages by hand), and every backend needs
 * exactly this bookkeeping ({@link HostStorage} for the CPU). The subclass supplies the release
 * action, which must not refer to the storage itself, or the storage would never become
 * unreachable.
 */
public abstract class ManagedStorage implements Storage {
  private final long byteSize;
  private final Release release;
  private volatile MemoryScope owner;
  private volatile Reclaimer.Cleanable cleanable;
  private final boolean freedWithHolder;

  /**
   * {@code free} runs exactly once: on scope close, on {@link #release()}, or after the storage
   * became unreachable.
   */
  protected ManagedStorage(long byteSize, MemoryScope owner, Runnable free) {
    if (owner != null && owner.isClosed()) {
      owner = null;
    }
    this.byteSize = byteSize;
    this.release = new Release(free);
    this.owner = owner;
    this.freedWithHolder = false;
    if (owner == null) {
      this.cleanable = Reclaimer.register(this, release);
    } else {
      owner.adopt(this);
    }
  }

  /**
   * A GC-managed storage whose memory belongs to an object {@code release} holds (a {@link
   * SmallChunks.Chunk}) and is freed when that becomes unreachable: it registers with no reclaimer,
   * and {@code release} only marks it released. Two objects fewer per small tensor than a storage
   * with a release action of its own.
   */
  ManagedStorage(long byteSize, Release release) {
    this(byteSize, release, null);
  }

  /**
   * A storage whose memory belongs to {@code release}, which frees it: a small chunk's block
   * ({@code owner} null) or a {@link ScopeSlab} (the scope that owns the slab, which is not told:
   * the slab is its list).
   */
  ManagedStorage(long byteSize, Release release, MemoryScope owner) {
    this.byteSize = byteSize;
    this.release = release;
    this.owner = owner;
    this.freedWithHolder = true;
    this.cleanable = null;
  }

  /**
   * Frees storages the garbage collector already found unreachable, on this thread. Device
   * allocators call it before allocating, as host allocation does, so freeing keeps pace.
   */
  protected static void freeUnreachable() {
    Reclaimer.drain(Integer.MAX_VALUE);
  }

  /**
   * Runs a collection and frees what it found unreachable: for a device allocator under memory
   * pressure (public so that an allocator need not be a storage class itself to ask).
   */
  public static void collectUnreachable() {
    System.gc();
    Reclaimer.drainAll(5);
  }

  @Override
  public long byteSize() {
    return byteSize;
  }

  @Override
  public boolean isReleased() {
    return release.get();
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
      cleanable = freedWithHolder ? null : Reclaimer.register(this, release);
    } else {
      // The scope now holds it strongly and frees it on close; the cleaner registration stays, but
      // Release runs once, so whichever comes second does nothing.
      cleanable = null;
      target.adopt(this);
    }
  }
}
