package dev.quiver.spark;

import dev.quiver.dsl.train.History;

/**
 * A distributed fit whose Spark job failed for good (after Spark's own task retries): the model
 * keeps the weights of the last completed step; {@link #history()} has the epochs completed.
 */
public final class SparkTrainingFailed extends RuntimeException {
  private final transient History history;

  public SparkTrainingFailed(String message, History history, Throwable cause) {
    super(message, cause);
    this.history = history;
  }

  public History history() {
    return history;
  }
}
