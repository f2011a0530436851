package dev.quiver.dsl.train;

import dev.quiver.dsl.Model;
import java.util.Map;

/**
 * Hooks into {@code fit}, given the model being trained. Logs hold {@code loss}, each metric,
 * {@code val_...} and {@code lr} of the epoch.
 */
public interface Callback {
  default void onTrainBegin(Model model) {}

  /** Returns true to stop training after this epoch. Epochs count from 0. */
  default boolean onEpochEnd(int epoch, Map<String, Double> logs, Model model) {
    return false;
  }

  default void onTrainEnd(Model model) {}

  /**
   * Whether a smaller value of this log entry is better (losses and errors) or a larger one
   * (accuracy, F1, R^2).
   */
  static boolean lowerIsBetter(String monitor) {
    String m = monitor.startsWith("val_") ? monitor.substring(4) : monitor;
    return m.equals("loss") || m.equals("mse") || m.equals("mae");
  }
}
