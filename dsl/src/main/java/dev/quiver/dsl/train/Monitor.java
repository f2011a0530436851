package dev.quiver.dsl.train;

import java.util.Map;

/** Which log entry a callback watches, and what counts as better. */
final class Monitor {
  private Monitor() {}

  static String resolve(String monitor, Map<String, Double> logs) {
    String m = monitor != null ? monitor : logs.containsKey("val_loss") ? "val_loss" : "loss";
    if (!logs.containsKey(m)) {
      throw new IllegalArgumentException(
          "callback monitors '" + m + "', but the epoch logs have only " + logs.keySet());
    }
    return m;
  }

  static boolean improves(String monitor, double value, double best, double minDelta) {
    return Callback.lowerIsBetter(monitor) ? value < best - minDelta : value > best + minDelta;
  }
}
