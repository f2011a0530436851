package dev.quiver.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.math.ElementwiseMath.UnaryOp;
import org.junit.jupiter.api.Test;

/** relu's backward, built once, against the fused expression it stands for, bit for bit. */
class ReluGradTest {

  private static void assertSameBits(Tensor expected, Tensor actual) {
    assertArrayEquals(expected.shape(), actual.shape(), "shape");
    float[] e = expected.toFloatArray();
    float[] a = actual.toFloatArray();
    for (int i = 0; i < e.length; i++) {
      assertEquals(
          Float.floatToRawIntBits(e[i]),
          Float.floatToRawIntBits(a[i]),
          "element " + i + ": " + e[i] + " vs " + a[i]);
    }
  }

  private static Tensor expression(Tensor g, Tensor x) {
    return Fused.of(g).mul(Fused.of(x).unary(UnaryOp.STEP)).eval();
  }

  @Test
  void theSameBitsAsTheExpressionOnEdgeValues() {
    float nan = Float.NaN;
    float inf = Float.POSITIVE_INFINITY;
    var g = Tensor.of(new float[] {1.5f, -2f, 3f, -0f, 0f, nan, inf, -inf, 4f, -1f, 7f, -7f}, 3, 4);
    var x = Tensor.of(new float[] {2f, 3f, -1f, 5f, -5f, 1f, -1f, 1f, 0f, -0f, nan, inf}, 3, 4);
    var got = Elementwise.reluGrad(g, x);
    assertSameBits(expression(g, x), got);
    // Where x <= 0 (or NaN) the gradient is g · 0: -0 for a negative g, NaN for an infinite one.
    assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(got.toFloatArray()[9]));
    assertEquals(1.5f, got.toFloatArray()[0]);
  }

  @Test
  void theSameBitsOnRandomDataAndOnATransposedGradient() {
    var g = Tensor.randn(new long[] {16, 10}, 1);
    var x = Tensor.randn(new long[] {16, 10}, 2);
    assertSameBits(expression(g, x), Elementwise.reluGrad(g, x));
    var gt = Tensor.randn(new long[] {10, 16}, 3).transpose(0, 1);
    assertSameBits(expression(gt, x), Elementwise.reluGrad(gt, x));
  }

  @Test
  void aGradientThatBroadcastsTakesTheExpression() {
    var g = Tensor.randn(new long[] {1, 10}, 4);
    var x = Tensor.randn(new long[] {16, 10}, 5);
    var got = Elementwise.reluGrad(g, x);
    assertArrayEquals(new long[] {16, 10}, got.shape());
    assertSameBits(expression(g, x), got);
  }

  @Test
  void reluBackwardGivesTheMaskedUpstreamGradient() {
    var x = Tensor.of(new float[] {-1f, 2f, 0f, 3f}).requiresGrad();
    x.relu().mul(Tensor.of(new float[] {5f, 6f, 7f, 8f})).sum().backward();
    assertArrayEquals(new float[] {0f, 6f, 0f, 8f}, x.grad().toFloatArray());
  }
}
