package dev.quiver.runtime.memory;

/**
 * Memory that is given back once: what a {@link MemoryScope} frees when it closes. {@link Storage}
 * is one; a scope needs to know no more of what it owns than this.
 */
public interface Releasable {
  /** True once the memory was given back; any further use is an error, never a crash. */
  boolean isReleased();

  /** Gives the memory back now. Idempotent. */
  void release();
}
