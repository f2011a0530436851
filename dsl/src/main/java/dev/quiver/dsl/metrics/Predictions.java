package dev.quiver.dsl.metrics;

import dev.quiver.runtime.Tensor;
import java.util.Arrays;

/**
 * A model's outputs and the targets for a set of rows, on the heap, for computing metrics.
 *
 * @param output row-major outputs, {@code width} per row
 * @param width outputs per row (1 for binary or regression, the class count otherwise)
 * @param target row-major targets, {@code targetWidth} per row
 * @param targetWidth 1 for class indices or regression values, the class count for one-hot
 * @param threshold the score above which a single-output model predicts class 1 (0.5 for
 *     probabilities, 0 for logits)
 */
public record Predictions(
    float[] output, int width, float[] target, int targetWidth, double threshold) {

  /** From a batch of outputs [n] or [n, width] and targets [n] or [n, k]. */
  public static Predictions of(Tensor output, Tensor target, double threshold) {
    if (output.dim() > 2) {
      // Sequence outputs [batch, seq, classes]: every position is a row.
      long classes = output.size(-1);
      Tensor t =
          target.dim() == output.dim() ? target.reshape(-1, target.size(-1)) : target.reshape(-1);
      return of(output.reshape(-1, classes), t, threshold);
    }
    int w = output.dim() == 1 ? 1 : Math.toIntExact(output.numel() / output.size(0));
    int tw = target.dim() == 1 ? 1 : Math.toIntExact(target.numel() / target.size(0));
    return new Predictions(output.toFloatArray(), w, target.toFloatArray(), tw, threshold);
  }

  public int rows() {
    return output.length / width;
  }

  /** Predicted class per row: argmax, or the threshold for a single output. */
  public int[] predictedClasses() {
    int n = rows();
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = width == 1 ? (output[i] > threshold ? 1 : 0) : argmax(output, i * width, width);
    }
    return out;
  }

  /** True class per row: the index, or the argmax of a one-hot row. */
  public int[] trueClasses() {
    int n = target.length / targetWidth;
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] =
          targetWidth == 1 ? Math.round(target[i]) : argmax(target, i * targetWidth, targetWidth);
    }
    return out;
  }

  /** Number of classes: the output width, or 2 for a single output. */
  public int classes() {
    int max = width == 1 ? 2 : width;
    for (int c : trueClasses()) {
      max = Math.max(max, c + 1);
    }
    return max;
  }

  /**
   * All rows of the parts, in order, copied once (appending batch by batch would copy
   * quadratically).
   */
  public static Predictions concat(java.util.List<Predictions> parts) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("Predictions.concat: no parts");
    }
    Predictions first = parts.getFirst();
    int no = 0;
    int nt = 0;
    for (Predictions p : parts) {
      if (p.width != first.width || p.targetWidth != first.targetWidth) {
        throw new IllegalArgumentException(
            "Predictions.concat: widths "
                + first.width
                + "/"
                + first.targetWidth
                + " and "
                + p.width
                + "/"
                + p.targetWidth
                + " differ");
      }
      no += p.output.length;
      nt += p.target.length;
    }
    float[] o = new float[no];
    float[] t = new float[nt];
    int io = 0;
    int it = 0;
    for (Predictions p : parts) {
      System.arraycopy(p.output, 0, o, io, p.output.length);
      System.arraycopy(p.target, 0, t, it, p.target.length);
      io += p.output.length;
      it += p.target.length;
    }
    return new Predictions(o, first.width, t, first.targetWidth, first.threshold);
  }

  /** Appends the rows of {@code more}. */
  public Predictions concat(Predictions more) {
    if (more.width != width || more.targetWidth != targetWidth) {
      throw new IllegalArgumentException(
          "Predictions.concat: widths "
              + width
              + "/"
              + targetWidth
              + " and "
              + more.width
              + "/"
              + more.targetWidth
              + " differ");
    }
    float[] o = Arrays.copyOf(output, output.length + more.output.length);
    System.arraycopy(more.output, 0, o, output.length, more.output.length);
    float[] t = Arrays.copyOf(target, target.length + more.target.length);
    System.arraycopy(more.target, 0, t, target.length, more.target.length);
    return new Predictions(o, width, t, targetWidth, threshold);
  }

  private static int argmax(float[] a, int from, int n) {
    int best = 0;
    for (int j = 1; j < n; j++) {
      if (a[from + j] > a[from + best]) {
        best = j;
      }
    }
    return best;
  }
}
