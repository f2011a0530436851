package dev.quiver.dsl.data;

import dev.quiver.runtime.Tensor;

/** Per-feature (x - mean) / std, with statistics from one data set applied to others. */
public record Standardizer(Tensor mean, Tensor std) {
  public static Standardizer fit(Tensor x) {
    Tensor mean = x.mean(0, true);
    // Constant columns would divide by zero; leave them centred instead.
    Tensor std = x.variance(0, true).sqrt();
    Tensor safe = Tensor.where(std.gt(0), std, Tensor.onesLike(std));
    return new Standardizer(mean, safe);
  }

  public Tensor apply(Tensor x) {
    return x.sub(mean).div(std);
  }

  public Dataset apply(Dataset d) {
    return new Dataset(apply(d.x()), d.y(), d.featureNames(), d.classNames());
  }
}
