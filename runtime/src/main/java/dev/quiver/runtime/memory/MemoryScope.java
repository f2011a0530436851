package dev.quiver.runtime.memory;

import java.util.ArrayList;

/**
 * Frees, deterministically, every tensor allocated on this thread while the scope is open:
 *
 * <pre>{@code
 * for (int step = 0; step < 10_000; step++) {
 *   try (var scope = MemoryScope.open()) {
 *     var loss = model.forward(x).sub(y).square().mean();
 *     loss.backward();           // parameter gradients live in the parameters' scope, not here
 *     optimizer.step();
 *     lastLoss = scope.keep(loss); // survives the scope: handed to the enclosing one
 *   }
 * }
 * }</pre>
 *
 * Outside any scope (the usual case in a notebook) tensors are freed by the garbage collector.
 * Scopes nest; {@link #keep} hands a value to the enclosing scope, or to the garbage collector when
 * there is none. Using a tensor after its scope closed raises a clear error, never a crash.
 */
public final class MemoryScope implements AutoCloseable {
  /** Something whose memory a scope can hand on: a tensor, or an object holding tensors. */
  public interface Member {
    /** Moves this value's memory to {@code target} ({@code null}: to the garbage collector). */
    void moveTo(MemoryScope target);
  }

  private static final ThreadLocal<MemoryScope> CURRENT = new ThreadLocal<>();

  private final MemoryScope parent;
  private final Thread thread;

  /**
   * What this scope frees. A plain list: adopting is the per-op cost of every tensor made in a
   * scope, and a list append is far cheaper than a hash set insert. Handing a storage on ({@link
   * #keep}) takes it out again, searching from the end, where the recent ones are.
   */
  private ArrayList<Releasable> owned = new ArrayList<>();

  private volatile boolean closed;

  /** Where this scope's small tensors live; made by the first one ({@link #slab()}). */
  private ScopeSlab slab;

  private MemoryScope(MemoryScope parent) {
    this.parent = parent;
    this.thread = Thread.currentThread();
  }

  /** Opens a scope on this thread; close it with try-with-resources. */
  public static MemoryScope open() {
    MemoryScope scope = new MemoryScope(CURRENT.get());
    CURRENT.set(scope);
    return scope;
  }

  /** The innermost open scope of this thread, or {@code null} when tensors are GC-managed. */
  public static MemoryScope current() {
    return CURRENT.get();
  }

  /** Hands {@code value} to the enclosing scope (or the garbage collector) and returns it. */
  public <T extends Member> T keep(T value) {
    value.moveTo(parent);
    return value;
  }

  /** The scope that was current when this one opened, or {@code null}. */
  public MemoryScope parent() {
    return parent;
  }

  public boolean isClosed() {
    return closed;
  }

  /** Number of storages this scope will free on close. */
  public synchronized int size() {
    int n = slab == null ? 0 : slab.liveBlocks();
    if (owned != null) {
      for (Releasable s : owned) {
        if (!s.isReleased()) {
          n++;
        }
      }
    }
    return n;
  }

  /**
   * The slab for this scope's small tensors, or {@code null} when the caller is not the scope's
   * thread (a slab is filled by one thread) or the scope is closed.
   */
  ScopeSlab slab() {
    if (Thread.currentThread() != thread || closed) {
      return null;
    }
    ScopeSlab s = slab;
    if (s == null) {
      synchronized (this) {
        if (closed) {
          return null;
        }
        slab = s = new ScopeSlab();
      }
    }
    return s;
  }

  synchronized void adopt(Releasable storage) {
    if (closed) {
      throw new IllegalStateException("memory scope already closed");
    }
    owned.add(storage);
  }

  /**
   * Takes {@code storage} off the list of what this scope frees (it was handed to another owner).
   */
  synchronized void disown(Releasable storage) {
    if (owned == null) {
      return; // closed: nothing left to free
    }
    for (int i = owned.size() - 1; i >= 0; i--) {
      if (owned.get(i) == storage) {
        owned.remove(i);
        return;
      }
    }
  }

  @Override
  public void close() {
    ArrayList<Releasable> toFree;
    ScopeSlab toClose;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      toFree = owned;
      owned = null;
      toClose = slab;
    }
    if (toClose != null) {
      toClose.close();
    }
    for (Releasable s : toFree) {
      s.release();
    }
    if (Thread.currentThread() == thread && CURRENT.get() == this) {
      CURRENT.set(parent);
    } else if (Thread.currentThread() == thread) {
      throw new IllegalStateException(
          "memory scopes closed out of order: close inner scopes first");
    }
  }
}
