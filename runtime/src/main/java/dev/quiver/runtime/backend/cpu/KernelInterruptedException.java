package dev.quiver.runtime.backend.cpu;

/**
 * A CPU kernel stopped early because the thread that called it was interrupted (a notebook's
 * "interrupt kernel", or {@code Thread.interrupt()} from code). The output of the kernel is then
 * partly written and must not be used. The thrower restores the thread's interrupt flag, so code
 * further up still sees the interrupt.
 */
public final class KernelInterruptedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String opName;

    public KernelInterruptedException(String opName) {
        super("interrupted during " + opName);
        this.opName = opName;
    }

    /** The operation that was running, e.g. {@code "matmul"}. */
    public String opName() {
        return opName;
    }
}
