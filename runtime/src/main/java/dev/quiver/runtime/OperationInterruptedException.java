package dev.quiver.runtime;

/**
 * A tensor operation stopped early because its thread was interrupted (a notebook's "interrupt
 * kernel", or {@code Thread.interrupt()}). Every backend throws a subclass of this, so callers such
 * as a training loop catch one type whatever the device. The interrupt flag stays set.
 */
public class OperationInterruptedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String opName;

  public OperationInterruptedException(String opName) {
    super("interrupted during " + opName);
    this.opName = opName;
  }

  /** The operation that was running, e.g. {@code "matmul"}. */
  public String opName() {
    return opName;
  }
}
