package dev.quiver.runtime.backend.cpu;

/** A kernel noticed its thread was interrupted and stopped early. */
public final class KernelInterruptedException extends RuntimeException {
  public KernelInterruptedException(String message) {
    super(message);
  }
}
