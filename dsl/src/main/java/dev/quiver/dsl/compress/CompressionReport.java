package dev.quiver.dsl.compress;

import dev.quiver.display.Displayable;
import dev.quiver.display.MimeBundle;

/**
 * What a compression did to a model's weight matrices: how many values, how many are non-zero, and
 * the storage they need before and after (biases and other vectors are not counted; they stay
 * float32).
 */
public record CompressionReport(
    String method, long weights, long nonZero, long bytesBefore, long bytesAfter)
    implements Displayable {

  public double sparsity() {
    return weights == 0 ? 0 : 1 - (double) nonZero / weights;
  }

  public double ratio() {
    return bytesAfter == 0 ? Double.NaN : (double) bytesBefore / bytesAfter;
  }

  @Override
  public String toString() {
    return String.format(
        "%s: %,d weights, %,d non-zero (sparsity %.1f%%), %,d -> %,d bytes (%.1fx smaller)",
        method, weights, nonZero, 100 * sparsity(), bytesBefore, bytesAfter, ratio());
  }

  @Override
  public MimeBundle toMimeBundle() {
    return MimeBundle.text(toString());
  }
}
