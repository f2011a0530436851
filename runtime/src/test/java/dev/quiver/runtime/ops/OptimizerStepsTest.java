package dev.quiver.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The single-pass optimizer steps: where the backend runs one (the CPU), the result is exactly the
 * rule computed per element in double and stored as float; where it cannot, nothing changes and the
 * caller composes the rule.
 */
class OptimizerStepsTest {
  private static final int N = 37; // not a multiple of any vector width

  private static float[] values(long seed, boolean positive) {
    return values(N, seed, positive);
  }

  private static float[] values(int n, long seed, boolean positive) {
    float[] v = Tensor.randn(new long[] {n}, seed).toFloatArray();
    if (positive) {
      for (int i = 0; i < n; i++) {
        v[i] = Math.abs(v[i]);
      }
    }
    return v;
  }

  // 37: a small parameter, staged through arrays; 5000: a large one, element by element in place.
  @ParameterizedTest
  @ValueSource(ints = {37, 5000})
  void adamIsTheRuleElementByElement(int n) {
    float[] p = values(n, 1, false), g = values(n, 2, false), m = values(n, 3, false);
    float[] v = values(n, 4, true);
    Tensor pt = Tensor.of(p), gt = Tensor.of(g), mt = Tensor.of(m), vt = Tensor.of(v);
    double stepSize = 0.01 * Math.sqrt(1 - 0.999 * 0.999) / (1 - 0.9 * 0.9), epsHat = 1e-8;

    boolean fused = OptimizerSteps.adam(pt, gt, mt, vt, stepSize, 0.9, 0.999, epsHat);

    assertEquals(pt.device().isCpu(), fused, "the CPU has the step, other devices compose it");
    if (!fused) {
      assertArrayEquals(p, pt.toFloatArray(), "a declined step changes nothing");
      return;
    }
    float[] mr = mt.toFloatArray(), vr = vt.toFloatArray(), pr = pt.toFloatArray();
    for (int i = 0; i < n; i++) {
      float mi = (float) (0.9 * m[i] + (1 - 0.9) * (double) g[i]);
      float vi = (float) (0.999 * v[i] + (1 - 0.999) * (double) g[i] * g[i]);
      float pi = (float) (p[i] - stepSize * mi / (Math.sqrt(vi) + epsHat));
      assertEquals(mi, mr[i], "m[" + i + "]");
      assertEquals(vi, vr[i], "v[" + i + "]");
      assertEquals(pi, pr[i], "p[" + i + "]");
    }
  }

  @Test
  void sgdWithAndWithoutMomentumIsTheRule() {
    float[] p = values(5, false), g = values(6, false), vel = values(7, false);
    for (boolean nesterov : new boolean[] {false, true}) {
      Tensor pt = Tensor.of(p), gt = Tensor.of(g), vt = Tensor.of(vel);
      if (!OptimizerSteps.sgd(pt, gt, vt, 0.1, 0.9, nesterov)) {
        assertFalse(pt.device().isCpu(), "the CPU has the step");
        continue;
      }
      for (int i = 0; i < N; i++) {
        float vi = (float) (0.9 * vel[i] + g[i]);
        double step = nesterov ? g[i] + 0.9 * vi : vi;
        assertEquals(vi, vt.toFloatArray()[i], "velocity[" + i + "], nesterov " + nesterov);
        assertEquals(
            (float) (p[i] - 0.1 * step),
            pt.toFloatArray()[i],
            "p[" + i + "], nesterov " + nesterov);
      }
    }
    Tensor pt = Tensor.of(p);
    if (OptimizerSteps.sgd(pt, Tensor.of(g), null, 0.5, 0, false)) {
      for (int i = 0; i < N; i++) {
        assertEquals(
            (float) (p[i] - 0.5 * g[i]), pt.toFloatArray()[i], "p[" + i + "] without momentum");
      }
    }
  }

  @Test
  void otherTypesAndLayoutsAreDeclinedUntouched() {
    Tensor p64 = Tensor.of(1.0, 2.0, 3.0);
    assertFalse(OptimizerSteps.sgd(p64, Tensor.of(1.0, 1.0, 1.0), null, 0.1, 0, false), "float64");
    assertArrayEquals(new double[] {1, 2, 3}, p64.toDoubleArray());

    Tensor square = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
    Tensor transposed = square.transpose(); // not contiguous
    assertFalse(
        OptimizerSteps.sgd(transposed, Tensor.ones(2, 2), null, 0.1, 0, false),
        "a transposed view");
    assertArrayEquals(new float[] {1, 2, 3, 4}, square.toFloatArray());
  }

  @Test
  void badOperandsAreNamed() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                OptimizerSteps.adam(
                    Tensor.zeros(3),
                    Tensor.zeros(4),
                    Tensor.zeros(3),
                    Tensor.zeros(3),
                    0.1,
                    0.9,
                    0.99,
                    1e-8));
    assertTrue(
        e.getMessage().contains("adam")
            && e.getMessage().contains("[3]")
            && e.getMessage().contains("[4]"),
        e.getMessage());
    var velocity =
        assertThrows(
            IllegalArgumentException.class,
            () -> OptimizerSteps.sgd(Tensor.zeros(3), Tensor.zeros(3), null, 0.1, 0.9, false));
    assertTrue(velocity.getMessage().contains("momentum 0.9"), velocity.getMessage());
    Tensor param = Tensor.zeros(DType.FLOAT32, 3).requiresGrad();
    var graph =
        assertThrows(
            IllegalStateException.class,
            () -> OptimizerSteps.sgd(param, Tensor.zeros(3), null, 0.1, 0, false));
    assertTrue(graph.getMessage().contains("noGrad"), graph.getMessage());
  }
}
