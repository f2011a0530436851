package dev.quiver.spark;

import java.io.Serializable;

/**
 * What the partitions of one step (or one round of local steps) send back, added up by Spark's tree
 * aggregation: a row-weighted sum of vectors (gradients, or weights and optimizer state), the rows
 * and the loss summed over them, and the longest compute time of a partition.
 */
final class Sum implements Serializable {
  float[] values; // null while no partition has contributed
  long rows;
  double lossSum;
  long computeNanos;
  int steps;

  static Sum empty() {
    return new Sum();
  }

  /**
   * Adds {@code other} into this one (Spark lets the seqOp and combOp reuse their first argument).
   */
  Sum plus(Sum other) {
    if (other.values != null) {
      if (values == null) {
        values = other.values; // a partition's own array, used once
      } else {
        if (values.length != other.values.length) {
          throw new IllegalStateException(
              "partitions sent " + values.length + " and " + other.values.length + " values");
        }
        float[] v = values;
        float[] o = other.values;
        for (int i = 0; i < v.length; i++) {
          v[i] += o[i];
        }
      }
    }
    rows += other.rows;
    lossSum += other.lossSum;
    computeNanos = Math.max(computeNanos, other.computeNanos);
    steps = Math.max(steps, other.steps);
    return this;
  }
}
