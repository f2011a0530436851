package dev.quiver.dsl;

import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;

/** Records, during one diagnostic forward pass, the first module whose output is not finite. */
final class ForwardTrace {
  // Set only during firstNonFinite: every Module.apply on this thread reports its output here.
  private static final ThreadLocal<ForwardTrace> CURRENT = new ThreadLocal<>();

  private String firstBad;

  /** Called by every {@link Module#apply}; does nothing unless a trace runs on this thread. */
  static void record(Module m, Tensor y) {
    ForwardTrace trace = CURRENT.get();
    if (trace != null && trace.firstBad == null && y.dtype().isFloating() && !isFinite(y)) {
      trace.firstBad = m.describe();
    }
  }

  /**
   * Runs {@code x} through {@code model} recording every sub-module's output, and returns the first
   * module (in the order outputs were produced) whose output holds NaN or infinity, or null.
   */
  static String firstNonFinite(Module model, Tensor x) {
    var trace = new ForwardTrace();
    CURRENT.set(trace);
    try (var ignored = Autograd.noGrad()) {
      if (!isFinite(x)) {
        return "the input batch itself";
      }
      model.apply(x);
    } finally {
      CURRENT.remove();
    }
    return trace.firstBad;
  }

  static boolean isFinite(Tensor t) {
    if (!t.dtype().isFloating()) {
      return true;
    }
    for (float v : t.toFloatArray()) {
      if (!Float.isFinite(v)) {
        return false;
      }
    }
    return true;
  }
}
