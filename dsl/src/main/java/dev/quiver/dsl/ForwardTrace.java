package dev.quiver.dsl;

import dev.quiver.runtime.Tensor;

/** Records, during one diagnostic forward pass, the first module whose output is not finite. */
final class ForwardTrace {
  private String firstBad;

  void record(Module m, Tensor y) {
    if (firstBad == null && y.dtype().isFloating() && !isFinite(y)) {
      firstBad = m.describe();
    }
  }

  String firstBad() {
    return firstBad;
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
