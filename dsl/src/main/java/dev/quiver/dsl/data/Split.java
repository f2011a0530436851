package dev.quiver.dsl.data;

/** A train/test pair from {@link Dataset#split}. */
public record Split(Dataset train, Dataset test) {
  /**
   * Standardizes both with the training rows' mean and standard deviation: the test rows must not
   * leak into the statistics, or the test accuracy is optimistic.
   */
  public Split standardize() {
    var s = Standardizer.fit(train.x());
    return new Split(s.apply(train), s.apply(test));
  }
}
