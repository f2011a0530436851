package dev.quiver.dsl.metrics;

/**
 * A number that says how good predictions are, computed over a whole epoch or data set (not
 * averaged over batches, which would be wrong for precision, recall, F1 and R^2).
 */
public interface Metric {
  String name();

  double compute(Predictions p);

  /** Fraction of rows whose predicted class is the true one. */
  static Metric accuracy() {
    return new Classification("accuracy", ConfusionMatrix::accuracy);
  }

  /** Precision averaged over classes (macro). */
  static Metric precision() {
    return new Classification("precision", ConfusionMatrix::macroPrecision);
  }

  /** Recall averaged over classes (macro). */
  static Metric recall() {
    return new Classification("recall", ConfusionMatrix::macroRecall);
  }

  /**
   * F1 averaged over classes (macro): the mean of each class's harmonic mean of precision and
   * recall.
   */
  static Metric f1() {
    return new Classification("f1", ConfusionMatrix::macroF1);
  }

  static Metric mse() {
    return new Regression("mse", Regression.Kind.MSE);
  }

  static Metric mae() {
    return new Regression("mae", Regression.Kind.MAE);
  }

  /** Coefficient of determination, 1 - SS_res / SS_tot. */
  static Metric r2() {
    return new Regression("r2", Regression.Kind.R2);
  }

  /** A metric from the confusion matrix. */
  record Classification(String name, java.util.function.ToDoubleFunction<ConfusionMatrix> fn)
      implements Metric {
    public double compute(Predictions p) {
      return fn.applyAsDouble(ConfusionMatrix.of(p));
    }
  }

  /** A regression metric over all outputs. */
  record Regression(String name, Kind kind) implements Metric {
    public enum Kind {
      MSE,
      MAE,
      R2
    }

    public double compute(Predictions p) {
      float[] y = p.output();
      float[] t = p.target();
      if (y.length != t.length) {
        throw new IllegalArgumentException(
            name + ": " + y.length + " outputs but " + t.length + " targets");
      }
      double se = 0, ae = 0, mean = 0;
      for (int i = 0; i < y.length; i++) {
        double d = y[i] - t[i];
        se += d * d;
        ae += Math.abs(d);
        mean += t[i];
      }
      mean /= t.length;
      double tot = 0;
      for (float v : t) {
        tot += (v - mean) * (v - mean);
      }
      return switch (kind) {
        case MSE -> se / y.length;
        case MAE -> ae / y.length;
        case R2 -> tot == 0 ? Double.NaN : 1 - se / tot;
      };
    }
  }
}
