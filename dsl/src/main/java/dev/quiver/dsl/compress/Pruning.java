package dev.quiver.dsl.compress;

import dev.quiver.dsl.Module;
import dev.quiver.dsl.Param;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Magnitude pruning (Han et al., 2015): in every weight matrix, the given fraction of values with
 * the smallest magnitude is set to zero, layer by layer. The model keeps its shape; the size is
 * what a bitmap-sparse format needs: a float32 per non-zero value plus one bit per weight.
 *
 * <pre>{@code
 * var report = Pruning.magnitude(model, 0.5);   // half of each weight matrix becomes zero
 * model.evaluate(test);                          // accuracy after pruning
 * }</pre>
 *
 * Further training would let pruned weights grow back; re-apply pruning after fine-tuning steps.
 */
public final class Pruning {
  private Pruning() {}

  public static CompressionReport magnitude(Module model, double sparsity) {
    if (!(sparsity >= 0 && sparsity < 1)) {
      throw new IllegalArgumentException(
          "Pruning.magnitude: sparsity must be in [0, 1), got " + sparsity);
    }
    if (!model.isBuilt()) {
      throw new IllegalStateException(
          "Pruning.magnitude: the model is not built yet; train it or call .input(n)");
    }
    long weights = 0;
    long nonZero = 0;
    for (Param p : model.namedParams().values()) {
      Tensor w = p.value();
      if (w.dim() < 2) {
        continue;
      }
      float[] v = w.toFloatArray();
      int k = (int) Math.floor(sparsity * v.length);
      Integer[] order = new Integer[v.length];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      Arrays.sort(order, Comparator.comparingDouble(i -> Math.abs(v[i])));
      for (int i = 0; i < k; i++) {
        v[order[i]] = 0;
      }
      try (var ignored = Autograd.noGrad()) {
        w.copyFrom(Tensor.of(v, w.shape()).to(w.dtype()).to(w.device()));
      }
      weights += v.length;
      for (float x : v) {
        nonZero += x != 0 ? 1 : 0;
      }
    }
    return new CompressionReport(
        String.format("magnitude pruning to %.0f%%", 100 * sparsity),
        weights,
        nonZero,
        4 * weights,
        4 * nonZero + (weights + 7) / 8);
  }
}
