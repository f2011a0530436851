package dev.quiver.runtime.memory;

/** Something whose memory a {@link MemoryScope} can hand on: a tensor, or an object holding tensors. */
public interface ScopeMember {
  /** Moves this value's memory to {@code target} ({@code null}: to the garbage collector). */
  void moveTo(MemoryScope target);
}
