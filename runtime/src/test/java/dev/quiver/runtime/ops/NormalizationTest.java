package dev.quiver.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.GradCheck;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Batch normalization: the fused op (one kernel each way) against the composed form it replaces,
 * values, running statistics and every gradient, in float32 and float64, training and evaluation,
 * on shapes whose runs are not whole vectors; its gradients against finite differences; torch's
 * numbers for a small case; and the errors.
 */
class NormalizationTest {
  private static final long[][] SHAPES = {
    {4, 3, 5, 7}, {2, 5, 1, 1}, {6, 4}, {3, 2, 19}, {8, 16, 28, 28}, {2, 3, 4, 5, 3}
  };

  private static Tensor[] params(long c, DType t, long seed) {
    Tensor w = ConvolutionTest.normal(seed, DType.FLOAT64, c).mul(0.3).add(1).to(t);
    Tensor b = ConvolutionTest.normal(seed + 1, DType.FLOAT64, c).mul(0.5).to(t);
    return new Tensor[] {w, b};
  }

  @ParameterizedTest
  @ValueSource(strings = {"FLOAT32", "FLOAT64"})
  void fusedAgreesWithTheComposedFormEveryWay(String type) {
    DType t = DType.valueOf(type);
    double tol = t == DType.FLOAT32 ? 2e-5 : 1e-12;
    int seed = 10;
    for (long[] shape : SHAPES) {
      for (boolean training : new boolean[] {true, false}) {
        String what = Arrays.toString(shape) + (training ? " training " : " eval ") + t;
        long c = shape[1];
        Tensor x0 = ConvolutionTest.normal(seed++, DType.FLOAT64, shape).mul(2).add(0.5).to(t);
        Tensor[] wb = params(c, t, seed++);
        Tensor g = ConvolutionTest.normal(seed++, DType.FLOAT64, shape).to(t);
        Tensor[] results = new Tensor[2];
        Tensor[][] grads = new Tensor[2][];
        Tensor[][] running = new Tensor[2][];
        for (int k = 0; k < 2; k++) {
          Tensor x = x0.copy().requiresGrad();
          Tensor w = wb[0].copy().requiresGrad();
          Tensor b = wb[1].copy().requiresGrad();
          Tensor rm = ConvolutionTest.normal(3, DType.FLOAT64, c).mul(0.1);
          Tensor rv = ConvolutionTest.normal(4, DType.FLOAT64, c).abs().add(0.5);
          rm = rm.to(DType.FLOAT32);
          rv = rv.to(DType.FLOAT32);
          Tensor y =
              k == 0
                  ? Normalization.batchNorm(x, rm, rv, w, b, training, 0.1, 1e-5)
                  : Normalization.composed(x, rm, rv, w, b, training, 0.1, 1e-5);
          if (k == 0) {
            assertEquals("batchNorm", y.gradNode().op(), what + ": the fused op ran");
          }
          y.mul(g).sum().backward();
          results[k] = y;
          grads[k] = new Tensor[] {x.grad(), w.grad(), b.grad()};
          running[k] = new Tensor[] {rm, rv};
        }
        ConvolutionTest.assertClose(
            results[1].toDoubleArray(), results[0].toDoubleArray(), tol, what + " output");
        String[] names = {"dx", "dweight", "dbias"};
        for (int i = 0; i < 3; i++) {
          double scale = Arrays.stream(grads[1][i].toDoubleArray()).map(Math::abs).max().orElse(1);
          ConvolutionTest.assertClose(
              grads[1][i].div(Math.max(1, scale)).toDoubleArray(),
              grads[0][i].div(Math.max(1, scale)).toDoubleArray(),
              tol * 10,
              what + " " + names[i]);
        }
        for (int i = 0; i < 2; i++) {
          ConvolutionTest.assertClose(
              running[1][i].toDoubleArray(),
              running[0][i].toDoubleArray(),
              1e-6,
              what + " running");
        }
      }
    }
  }

  @Test
  void gradientsMatchFiniteDifferences() {
    Tensor x = ConvolutionTest.normal(1, DType.FLOAT64, 3, 2, 3, 5).requiresGrad();
    Tensor[] wb = params(2, DType.FLOAT64, 2);
    Tensor w = wb[0].requiresGrad();
    Tensor b = wb[1].requiresGrad();
    Tensor rm = Tensor.of(new double[] {0.2, -0.1}, 2);
    Tensor rv = Tensor.of(new double[] {0.7, 1.3}, 2);
    // Training: the batch's statistics depend on x.
    var report =
        GradCheck.assertGradients(
            in -> Normalization.batchNorm(in[0], null, null, in[1], in[2], true, 0.1, 1e-5),
            x,
            w,
            b);
    assertTrue(report.passed(), report.toString());
    // Evaluation: the running statistics are constants.
    report =
        GradCheck.assertGradients(
            in -> Normalization.batchNorm(in[0], rm, rv, in[1], in[2], false, 0.1, 1e-5), x, w, b);
    assertTrue(report.passed(), report.toString());
  }

  /** torch: F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.1, eps=1e-5). */
  @Test
  void trainingStepAsTorch() {
    Tensor x = Tensor.arange(0, 12, 1).reshape(3, 2, 2).to(DType.FLOAT32).square();
    Tensor w = Tensor.of(new float[] {2, 0.5f}, 2);
    Tensor b = Tensor.of(new float[] {1, -1}, 2);
    Tensor rm = Tensor.zeros(2);
    Tensor rv = Tensor.ones(2);
    Tensor y = Normalization.batchNorm(x, rm, rv, w, b, true, 0.1, 1e-5);
    // Channel 0 holds 0, 1, 16, 25, 64, 81: mean 31.1667, biased variance 967.472.
    double m0 = (0 + 1 + 16 + 25 + 64 + 81) / 6.0;
    double v0 = 0;
    for (double v : new double[] {0, 1, 16, 25, 64, 81}) {
      v0 += (v - m0) * (v - m0) / 6;
    }
    assertEquals(2 * (0 - m0) / Math.sqrt(v0 + 1e-5) + 1, y.get(0, 0, 0), 1e-5);
    assertEquals(0.1 * m0, rm.get(0), 1e-4);
    assertEquals(0.9 + 0.1 * v0 * 6 / 5, rv.get(0), 1e-3);
  }

  @Test
  void badInputIsNamed() {
    Tensor x = Tensor.zeros(4, 3, 2, 2);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Normalization.batchNorm(x, null, null, Tensor.ones(4), null, true, 0.1, 1e-5));
    assertTrue(e.getMessage().contains("weight must be [3]"), e.getMessage());
    assertTrue(e.getMessage().contains("[4,3,2,2]"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Normalization.batchNorm(x, null, null, null, null, false, 0.1, 1e-5));
    assertTrue(e.getMessage().contains("running mean and variance"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Normalization.batchNorm(
                    Tensor.zeros(1, 3), null, null, null, null, true, 0.1, 1e-5));
    assertTrue(e.getMessage().contains("more than one value per channel"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Normalization.batchNorm(Tensor.zeros(3), null, null, null, null, true, 0.1, 0));
    assertTrue(e.getMessage().contains("[N, C, ...]"), e.getMessage());
  }

  @Test
  void aTransposedInputIsNormalizedAsItsCopy() {
    Tensor x = ConvolutionTest.normal(7, DType.FLOAT32, 5, 6, 4).transpose(0, 2);
    Tensor a = Normalization.batchNorm(x, null, null, null, null, true, 0.1, 1e-5);
    Tensor b = Normalization.batchNorm(x.contiguous(), null, null, null, null, true, 0.1, 1e-5);
    ConvolutionTest.assertClose(b.toDoubleArray(), a.toDoubleArray(), 0, "transposed");
  }
}
