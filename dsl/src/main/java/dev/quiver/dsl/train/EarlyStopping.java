package dev.quiver.dsl.train;

import dev.quiver.dsl.Model;
import java.util.Map;

/**
 * Stops training when {@code monitor} (default {@code val_loss}, or {@code loss} without validation
 * data) has not improved by more than {@code minDelta} for {@code patience} epochs; with {@link
 * #restoreBest()} the weights of the best epoch are put back.
 */
public final class EarlyStopping implements Callback {
  private final int patience;
  private String monitor;
  private double minDelta;
  private boolean restoreBest;
  private double best;
  private int bestEpoch = -1;
  private int stoppedEpoch = -1;
  private Map<String, float[]> bestWeights;

  private EarlyStopping(int patience) {
    if (patience < 0) {
      throw new IllegalArgumentException(
          "EarlyStopping: patience must be non-negative, got " + patience);
    }
    this.patience = patience;
  }

  public static EarlyStopping patience(int epochs) {
    return new EarlyStopping(epochs);
  }

  public EarlyStopping monitor(String logEntry) {
    this.monitor = logEntry;
    return this;
  }

  public EarlyStopping minDelta(double d) {
    this.minDelta = d;
    return this;
  }

  public EarlyStopping restoreBest() {
    this.restoreBest = true;
    return this;
  }

  @Override
  public void onTrainBegin(Model model) {
    bestEpoch = -1;
    stoppedEpoch = -1;
    bestWeights = null;
  }

  @Override
  public boolean onEpochEnd(int epoch, Map<String, Double> logs, Model model) {
    String m = Monitor.resolve(monitor, logs);
    double v = logs.get(m);
    if (bestEpoch < 0 || Monitor.improves(m, v, best, minDelta)) {
      best = v;
      bestEpoch = epoch;
      if (restoreBest) {
        bestWeights = model.weights();
      }
      return false;
    }
    if (epoch - bestEpoch >= patience) {
      stoppedEpoch = epoch;
      return true;
    }
    return false;
  }

  @Override
  public void onTrainEnd(Model model) {
    if (restoreBest && bestWeights != null) {
      model.loadWeights(bestWeights);
    }
  }

  /** The epoch training stopped after (from 0), or -1 if it ran to the end. */
  public int stoppedEpoch() {
    return stoppedEpoch;
  }

  public int bestEpoch() {
    return bestEpoch;
  }
}
