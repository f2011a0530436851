package dev.quiver.runtime.memory;

import dev.quiver.runtime.Device;

/**
 * The memory behind one or more tensors (views share it). Each backend has its own kind: {@link
 * HostStorage} for the CPU; a GPU backend adds device storage without touching the ops.
 */
public interface Storage extends Releasable {
  /** Bytes this storage holds. */
  long byteSize();

  /** Where the bytes live. */
  Device device();

  /** The scope that will free this storage, or {@code null} when the garbage collector does. */
  MemoryScope owner();

  /** Hands this storage to another scope ({@code null}: to the garbage collector). */
  void moveTo(MemoryScope target);
}
