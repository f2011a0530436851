package dev.quiver.runtime.backend;

/** Reductions over axes; mean, variance, logsumexp and friends are composed from these. */
public enum ReduceOp {
  SUM(0),
  MAX(Double.NEGATIVE_INFINITY),
  MIN(Double.POSITIVE_INFINITY);

  private final double identity;

  ReduceOp(double identity) {
    this.identity = identity;
  }

  public double identity() {
    return identity;
  }

  public double combine(double acc, double x) {
    return switch (this) {
      case SUM -> acc + x;
      // NaN must win, as in numpy: a NaN anywhere makes max/min NaN.
      case MAX -> (x > acc || Double.isNaN(x)) ? x : acc;
      case MIN -> (x < acc || Double.isNaN(x)) ? x : acc;
    };
  }
}
