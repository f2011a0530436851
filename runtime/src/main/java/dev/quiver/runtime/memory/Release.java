package dev.quiver.runtime.memory;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a storage's free action once, whoever asks first (scope, explicit release, reclaimer); true
 * once it ran. It is its own flag, one object less per storage. A {@link SmallChunks} block and a
 * {@link ScopeSlab} are releases of their own kind, shared or not.
 *
 * <p>A class of its own, not nested in {@link ManagedStorage}: the slab, which a {@link
 * MemoryScope} holds, extends it, and the scope must not depend on the storage (an import circle).
 */
class Release extends AtomicBoolean implements Runnable {
  private final Runnable free;

  Release(Runnable free) {
    this.free = free;
  }

  /** For a subclass that overrides {@link #free()}. */
  Release() {
    this.free = null;
  }

  @Override
  public final void run() {
    if (compareAndSet(false, true)) {
      free();
    }
  }

  /** The free action; runs at most once. */
  void free() {
    free.run();
  }
}
