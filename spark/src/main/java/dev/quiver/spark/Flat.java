package dev.quiver.spark;

import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import java.util.Arrays;
import java.util.List;

/** Tensors laid end to end in one float array: how weights, gradients and moments travel. */
final class Flat {
  private Flat() {}

  static long count(List<Tensor> tensors) {
    long n = 0;
    for (Tensor t : tensors) {
      n += t.numel();
    }
    return n;
  }

  static float[] of(List<Tensor> tensors) {
    long n = count(tensors);
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "distributed training: " + n + " values do not fit one Java array");
    }
    float[] flat = new float[(int) n];
    int at = 0;
    for (Tensor t : tensors) {
      float[] v = t.toFloatArray();
      System.arraycopy(v, 0, flat, at, v.length);
      at += v.length;
    }
    return flat;
  }

  /** Copies from {@code flat} starting at {@code offset} into each tensor in turn; the end. */
  static int load(List<Tensor> tensors, float[] flat, int offset) {
    int at = offset;
    try (var ignored = Autograd.noGrad()) {
      for (Tensor t : tensors) {
        int n = (int) t.numel();
        t.copyFrom(Tensor.of(Arrays.copyOfRange(flat, at, at + n), t.shape()).to(t.device()));
        at += n;
      }
    }
    return at;
  }
}
