package dev.quiver.runtime.backend.cuda;

/**
 * A device allocation that failed even after freeing unreachable tensors and emptying the cache. A
 * RuntimeException, not an {@link OutOfMemoryError}: the Java heap is fine, and a notebook should
 * be able to catch it, free something, and go on.
 */
public final class CudaOutOfMemoryException extends RuntimeException {
  private final long requestedBytes;

  CudaOutOfMemoryException(String message, long requestedBytes) {
    super(message);
    this.requestedBytes = requestedBytes;
  }

  public long requestedBytes() {
    return requestedBytes;
  }
}
