package dev.quiver.dsl.compress;

import dev.quiver.dsl.Module;
import dev.quiver.dsl.Param;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;

/**
 * Post-training int8 quantization of weight matrices, symmetric and per tensor: scale = max|w| /
 * 127, q = round(w / scale) in [-127, 127]. The weights are replaced by q·scale, the values an int8
 * kernel would compute with ("fake quantization"), so accuracy after quantization can be measured
 * with the ordinary float kernels; the size counts one byte per weight plus a float32 scale per
 * matrix.
 */
public final class Quantization {
  private Quantization() {}

  public static CompressionReport int8(Module model) {
    if (!model.isBuilt()) {
      throw new IllegalStateException(
          "Quantization.int8: the model is not built yet; train it or call .input(n)");
    }
    long weights = 0;
    long nonZero = 0;
    long matrices = 0;
    for (Param p : model.namedParams().values()) {
      Tensor w = p.value();
      if (w.dim() < 2) {
        continue;
      }
      float[] v = w.toFloatArray();
      float max = 0;
      for (float x : v) {
        max = Math.max(max, Math.abs(x));
      }
      float scale = max == 0 ? 1 : max / 127f;
      for (int i = 0; i < v.length; i++) {
        int q = Math.max(-127, Math.min(127, Math.round(v[i] / scale)));
        v[i] = q * scale;
        nonZero += q != 0 ? 1 : 0;
      }
      try (var ignored = Autograd.noGrad()) {
        w.copyFrom(Tensor.of(v, w.shape()).to(w.dtype()).to(w.device()));
      }
      weights += v.length;
      matrices++;
    }
    return new CompressionReport(
        "int8 quantization", weights, nonZero, 4 * weights, weights + 4 * matrices);
  }
}
