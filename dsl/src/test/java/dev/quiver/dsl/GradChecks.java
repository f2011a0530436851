package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.fail;

import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Stand-in for the runtime's {@code GradCheck.assertGradients(f, inputs...)}, which is being
 * written on another branch; same shape, so the switch is an import. Floating inputs become
 * float64 leaves; the output is reduced with fixed random weights; central differences in float64.
 */
public final class GradChecks {
  private GradChecks() {}

  public static void assertGradients(Function<Tensor[], Tensor> f, Tensor... inputs) {
    Tensor[] xs = new Tensor[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      xs[i] = inputs[i].dtype().isFloating() ? Tensor.of(inputs[i].toDoubleArray(), inputs[i].shape()).requiresGrad()
          : inputs[i];
    }
    Tensor out = f.apply(xs.clone());
    double[] w = new double[Math.toIntExact(out.numel())];
    var r = new SplittableRandom(17);
    for (int i = 0; i < w.length; i++) {
      w[i] = r.nextDouble(-1, 1);
    }
    out.backward(Tensor.of(w, out.shape()).to(out.dtype()));
    double eps = 1e-6;
    for (int i = 0; i < xs.length; i++) {
      if (!xs[i].dtype().isFloating()) {
        continue;
      }
      double[] analytic = xs[i].grad() == null ? new double[(int) xs[i].numel()] : xs[i].grad().toDoubleArray();
      double[] base = xs[i].toDoubleArray();
      for (int j = 0; j < base.length; j++) {
        double num;
        try (var ng = Autograd.noGrad()) {
          double[] plus = base.clone();
          plus[j] += eps;
          double[] minus = base.clone();
          minus[j] -= eps;
          num = (weighted(f, xs, i, plus, w) - weighted(f, xs, i, minus, w)) / (2 * eps);
        }
        if (Math.abs(num - analytic[j]) > 1e-5 + 1e-3 * Math.abs(num)) {
          fail("gradient of input " + i + " element " + j + ": autodiff " + analytic[j] + ", finite differences " + num);
        }
      }
    }
  }

  private static double weighted(Function<Tensor[], Tensor> f, Tensor[] xs, int i, double[] values, double[] w) {
    Tensor[] args = xs.clone();
    args[i] = Tensor.of(values, xs[i].shape());
    double[] y = f.apply(args).toDoubleArray();
    double s = 0;
    for (int k = 0; k < y.length; k++) {
      s += w[k] * y[k];
    }
    return s;
  }
}
