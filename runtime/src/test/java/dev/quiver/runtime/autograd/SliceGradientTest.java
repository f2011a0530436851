package dev.quiver.runtime.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Gradients of a tensor read slice by slice: autodiff adds each slice's gradient into one full-size
 * gradient in place ({@link SliceBackward}); the result must be what the full-size sum gives,
 * however the slices mix with other uses of the tensor.
 */
class SliceGradientTest {

  @Test
  void manySlicesOfOneTensorAddUp() {
    Tensor x = Tensor.randn(new long[] {3, 5, 4}, 1).requiresGrad();
    Tensor w = Tensor.randn(new long[] {3, 5, 4}, 2);
    Tensor loss = x.mul(2).sum(); // a direct use too, before and after the slices in the graph
    for (int t = 0; t < 5; t++) {
      loss = loss.add(x.select(1, t).mul(w.select(1, t)).sum());
    }
    loss = loss.add(x.square().sum());
    loss.backward();
    float[] xs = x.toFloatArray();
    float[] ws = w.toFloatArray();
    float[] want = new float[xs.length];
    for (int i = 0; i < want.length; i++) {
      want[i] = 2 + ws[i] + 2 * xs[i];
    }
    assertArrayEquals(want, x.grad().toFloatArray(), 1e-5f);
  }

  @Test
  void slicesThatShareOneUpstreamGradientStayApart() {
    // add's backward hands the same gradient to both of its inputs, two slices of x.
    Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2).requiresGrad();
    Tensor a = x.select(0, 0);
    Tensor b = x.select(0, 2);
    a.add(b).mul(Tensor.of(new float[] {10, 20})).sum().backward();
    assertArrayEquals(new float[] {10, 20, 0, 0, 10, 20}, x.grad().toFloatArray());
    // The same slice twice, and a slice of a slice.
    Tensor y = Tensor.of(new float[] {1, 2, 3, 4}, 4).requiresGrad();
    Tensor s = y.slice(0, 1, 3);
    s.add(s).add(s.slice(0, 1, 2).sum()).sum().backward();
    assertArrayEquals(new float[] {0, 2, 4, 0}, y.grad().toFloatArray());
  }

  @Test
  void overlappingSlicesPassTheChecker() {
    Tensor x = Tensor.randn(new long[] {2, 6}, 3).to(DType.FLOAT64);
    GradCheck.assertGradients(
        in -> {
          Tensor acc = in[0].slice(1, 0, 2).tanh();
          for (int t = 1; t < 5; t++) {
            acc = acc.mul(in[0].slice(1, t, t + 2)).add(in[0].select(1, t).unsqueeze(1));
          }
          return acc.add(in[0].slice(1, 0, 6, 3));
        },
        x);
  }
}
