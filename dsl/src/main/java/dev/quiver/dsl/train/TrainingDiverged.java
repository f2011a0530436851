package dev.quiver.dsl.train;

/**
 * Thrown by {@code fit} when the loss becomes NaN or infinite; the history up to that step is kept.
 */
public final class TrainingDiverged extends IllegalStateException {
  private final long step;
  private final String layer;
  private final transient History history;

  TrainingDiverged(String message, long step, String layer, History history) {
    super(message);
    this.step = step;
    this.layer = layer;
    this.history = history;
  }

  /** The optimizer step (from 0) whose loss went bad. */
  public long step() {
    return step;
  }

  /** The first layer whose output was not finite, or null when every output was. */
  public String layer() {
    return layer;
  }

  public History history() {
    return history;
  }
}
