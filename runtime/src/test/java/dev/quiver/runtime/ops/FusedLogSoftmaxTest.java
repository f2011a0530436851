package dev.quiver.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The one-pass float32 log-softmax must agree with the composed float64 definition, values and
 * gradients.
 */
class FusedLogSoftmaxTest {

  private static float[] logits(int rows, int cols, long seed, float scale) {
    float[] v = Tensor.randn(new long[] {rows, cols}, seed).mul(scale).toFloatArray();
    return v;
  }

  @Test
  void valuesMatchTheComposedFloat64FormIncludingHugeLogits() {
    for (int cols : new int[] {1, 3, 7, 8, 9, 17, 100}) {
      float[] v = logits(5, cols, cols, 300f); // exp(300) overflows float: stability matters
      Tensor fused = Tensor.of(v, 5, cols).logSoftmax(1);
      Tensor reference = Tensor.of(v, 5, cols).to(DType.FLOAT64).logSoftmax(1);
      assertTrue(fused.to(DType.FLOAT64).allClose(reference, 1e-5, 1e-4), "cols " + cols);
      double rowSum =
          fused.softmax(1).exp().sum(1).get(0); // exp of probabilities: any finite number
      assertTrue(Double.isFinite(rowSum));
      assertEquals(1.0, Tensor.of(v, 5, cols).softmax(-1).sum(1).get(2), 1e-5);
    }
  }

  @Test
  void gradientsMatchTheComposedFloat64Form() {
    float[] v = logits(6, 11, 7, 3f);
    float[] w = logits(6, 11, 8, 1f);
    Tensor x32 = Tensor.of(v, 6, 11).requiresGrad();
    x32.logSoftmax(1).mul(Tensor.of(w, 6, 11)).sum().backward();
    Tensor x64 = Tensor.of(v, 6, 11).to(DType.FLOAT64).requiresGrad();
    x64.logSoftmax(1).mul(Tensor.of(w, 6, 11).to(DType.FLOAT64)).sum().backward();
    assertTrue(x32.grad().to(DType.FLOAT64).allClose(x64.grad(), 1e-4, 1e-5));
  }

  @Test
  void nanSpreadsToItsRowOnlyAndAllMinusInfinityGivesNaNLikeTheComposedForm() {
    float inf = Float.NEGATIVE_INFINITY;
    Tensor x = Tensor.of(new float[] {1, Float.NaN, 2, 3, 4, 5, inf, inf, inf}, 3, 3);
    Tensor out = x.logSoftmax(1);
    Tensor reference = x.to(DType.FLOAT64).logSoftmax(1);
    for (int c = 0; c < 3; c++) {
      assertTrue(Double.isNaN(out.get(0, c)));
      assertEquals(reference.get(1, c), out.get(1, c), 1e-6);
      assertEquals(Double.isNaN(reference.get(2, c)), Double.isNaN(out.get(2, c)));
    }
  }
}
