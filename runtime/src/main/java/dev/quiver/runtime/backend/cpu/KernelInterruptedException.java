package dev.quiver.runtime.backend.cpu;

import dev.quiver.runtime.OperationInterruptedException;

/**
 * A CPU kernel stopped early because the thread that called it was interrupted. The output of the
 * kernel is then partly written and must not be used. The thrower restores the thread's interrupt
 * flag, so code further up still sees the interrupt. Catch {@link OperationInterruptedException} to
 * handle every backend alike.
 */
public final class KernelInterruptedException extends OperationInterruptedException {
  private static final long serialVersionUID = 1L;

  public KernelInterruptedException(String opName) {
    super(opName);
  }
}
