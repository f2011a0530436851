package dev.quiver.dsl.train;

import dev.quiver.dsl.Model;
import java.util.Map;

/**
 * Keeps a copy of the weights of the best epoch (by {@code monitor}) and puts them back into the
 * model when training ends: a checkpoint in memory.
 */
public final class BestWeights implements Callback {
  private final String monitor;
  private Map<String, float[]> best;
  private double bestValue;
  private int bestEpoch = -1;

  private BestWeights(String monitor) {
    this.monitor = monitor;
  }

  /** Monitors {@code val_loss} (or {@code loss} when there is no validation data). */
  public static BestWeights keep() {
    return new BestWeights(null);
  }

  public static BestWeights on(String monitor) {
    return new BestWeights(monitor);
  }

  @Override
  public void onTrainBegin(Model model) {
    best = null;
    bestEpoch = -1;
  }

  @Override
  public boolean onEpochEnd(int epoch, Map<String, Double> logs, Model model) {
    String m = Monitor.resolve(monitor, logs);
    double v = logs.get(m);
    if (best == null || Monitor.improves(m, v, bestValue, 0)) {
      best = model.weights();
      bestValue = v;
      bestEpoch = epoch;
    }
    return false;
  }

  @Override
  public void onTrainEnd(Model model) {
    if (best != null) {
      model.loadWeights(best);
    }
  }

  /** The epoch whose weights were kept (from 0), or -1. */
  public int bestEpoch() {
    return bestEpoch;
  }

  public double bestValue() {
    return bestValue;
  }
}
