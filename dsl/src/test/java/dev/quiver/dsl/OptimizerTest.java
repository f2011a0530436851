package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.quiver.dsl.optim.Adagrad;
import dev.quiver.dsl.optim.Adam;
import dev.quiver.dsl.optim.AdamW;
import dev.quiver.dsl.optim.Optimizer;
import dev.quiver.dsl.optim.RMSprop;
import dev.quiver.dsl.optim.SGD;
import dev.quiver.dsl.optim.Schedule;
import dev.quiver.runtime.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Each update rule against steps worked out by hand. The loss is sum(c · p), so the gradient is
 * exactly c, and the expected values follow from the formulas in each class's Javadoc.
 */
class OptimizerTest {
  private static final float[] P0 = {1f, -2f};
  private static final float[] C = {0.5f, -1f};

  /** Runs {@code steps} steps from P0 with gradient C every step; returns p. */
  private static float[] run(Optimizer opt, int steps) {
    Tensor p = Tensor.of(P0.clone()).requiresGrad();
    opt.on(p);
    for (int i = 0; i < steps; i++) {
      opt.zeroGrad();
      p.mul(Tensor.of(C)).sum().backward();
      opt.step();
    }
    return p.toFloatArray();
  }

  private static float[] minus(double k0, double k1) {
    return new float[] {(float) (P0[0] - k0), (float) (P0[1] - k1)};
  }

  @Test
  void sgd() {
    // p - 0.1·c
    assertArrayEquals(new float[] {0.95f, -1.9f}, run(SGD.lr(0.1), 1), 1e-6f);
  }

  @Test
  void sgdMomentum() {
    // v1 = c, p1 = p - 0.1c; v2 = 1.9c, p2 = p1 - 0.19c = p - 0.29c
    assertArrayEquals(minus(0.29 * C[0], 0.29 * C[1]), run(SGD.lr(0.1).momentum(0.9), 2), 1e-6f);
  }

  @Test
  void sgdNesterov() {
    // p1 = p - 0.1(c + 0.9c) = p - 0.19c; v2 = 1.9c, p2 = p1 - 0.1(c + 0.9·1.9c) = p - 0.461c
    assertArrayEquals(
        minus(0.461 * C[0], 0.461 * C[1]), run(SGD.lr(0.1).momentum(0.9).nesterov(), 2), 1e-6f);
  }

  @Test
  void adagrad() {
    // s1 = c^2: step 0.1·sign(c); s2 = 2c^2: step 0.1/sqrt(2)·sign(c)
    double k = 0.1 * (1 + 1 / Math.sqrt(2));
    assertArrayEquals(minus(k, -k), run(Adagrad.lr(0.1), 2), 1e-6f);
  }

  @Test
  void rmsprop() {
    // s1 = 0.1c^2: step 0.01·c/(sqrt(0.1)|c|); s2 = 0.19c^2: step 0.01/sqrt(0.19)
    double k = 0.01 / Math.sqrt(0.1) + 0.01 / Math.sqrt(0.19);
    assertArrayEquals(minus(k, -k), run(RMSprop.lr(0.01).rho(0.9), 2), 1e-6f);
  }

  @Test
  void adamStepsByTheLearningRateUnderAConstantGradient() {
    // With a constant gradient the bias-corrected m̂ = c and v̂ = c^2 at every step: each step is
    // lr·sign(c).
    assertArrayEquals(minus(0.3, -0.3), run(Adam.lr(0.1), 3), 1e-5f);
  }

  @Test
  void adamMatchesAScalarReferenceUnderChangingGradients() {
    double[] grads = {0.5, -2, 1.5, 0.25};
    double p = 1, m = 0, v = 0, lr = 0.05, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    Tensor t = Tensor.of(1f).requiresGrad();
    var opt = Adam.lr(lr).on(t);
    for (int i = 0; i < grads.length; i++) {
      opt.zeroGrad();
      t.mul(Tensor.of((float) grads[i])).sum().backward();
      opt.step();
      m = b1 * m + (1 - b1) * grads[i];
      v = b2 * v + (1 - b2) * grads[i] * grads[i];
      double mh = m / (1 - Math.pow(b1, i + 1));
      double vh = v / (1 - Math.pow(b2, i + 1));
      p -= lr * mh / (Math.sqrt(vh) + eps);
      assertEquals(p, t.item(), 1e-6, "step " + (i + 1));
    }
  }

  @Test
  void adamWDecaysBeforeTheAdamStep() {
    // p·(1 - 0.1·0.1) then - 0.1·sign(c): [0.99 - 0.1, -1.98 + 0.1]
    assertArrayEquals(new float[] {0.89f, -1.88f}, run(AdamW.lr(0.1).weightDecay(0.1), 1), 1e-5f);
  }

  @Test
  void fusedAndTensorOpPathsAgree() {
    java.util.function.Supplier<Optimizer[]> pairs =
        () ->
            new Optimizer[] {
              Adam.lr(0.1),
              Adam.lr(0.1).unfused(),
              AdamW.lr(0.1),
              AdamW.lr(0.1).unfused(),
              SGD.lr(0.1).momentum(0.9).nesterov(),
              SGD.lr(0.1).momentum(0.9).nesterov().unfused(),
              SGD.lr(0.1),
              SGD.lr(0.1).unfused()
            };
    Optimizer[] opts = pairs.get();
    for (int i = 0; i < opts.length; i += 2) {
      assertArrayEquals(
          run(opts[i + 1], 3), run(opts[i], 3), 1e-6f, opts[i].getClass().getSimpleName());
    }
  }

  @Test
  void clippingByNormAndByValue() {
    Tensor p = Tensor.of(0f, 0f).requiresGrad();
    var opt = SGD.lr(1).clipNorm(1).on(p);
    p.mul(Tensor.of(3f, 4f)).sum().backward(); // gradient [3, 4], norm 5 -> [0.6, 0.8]
    opt.step();
    assertArrayEquals(new float[] {-0.6f, -0.8f}, p.toFloatArray(), 1e-6f);

    Tensor q = Tensor.of(0f, 0f).requiresGrad();
    var opt2 = SGD.lr(1).clipValue(0.5).on(q);
    q.mul(Tensor.of(3f, -0.25f)).sum().backward();
    opt2.step();
    assertArrayEquals(new float[] {-0.5f, 0.25f}, q.toFloatArray(), 1e-6f);
  }

  @Test
  void gradientDescentOnThetaSquaredShrinksThetaByTheFactorOneMinus2Lr() {
    // J(θ) = θ², dJ/dθ = 2θ: each step multiplies θ by (1 - 2·0.01) = 0.98.
    Tensor theta = Tensor.scalar(5).requiresGrad();
    var opt = SGD.lr(0.01).on(theta);
    for (int i = 0; i < 1000; i++) {
      opt.zeroGrad();
      theta.square().backward();
      opt.step();
    }
    assertEquals(5 * Math.pow(0.98, 1000), theta.item(), 1e-3 * 5 * Math.pow(0.98, 1000));
  }

  @Test
  void schedules() {
    assertEquals(0.25, Schedule.step(10, 0.5).at(1, 25), 1e-12);
    assertEquals(0.81, Schedule.exponential(0.9).at(1, 2), 1e-12);
    assertEquals(0.5, Schedule.cosine(10).at(1, 5), 1e-12);
    assertEquals(0.0, Schedule.cosine(10).at(1, 10), 1e-12);
    var opt = SGD.lr(1).schedule(Schedule.step(1, 0.5));
    opt.nextEpoch();
    opt.nextEpoch();
    assertEquals(0.25, opt.lr(), 1e-12);
  }

  @Test
  void optimizersTakeTensorsNeverModules() {
    for (var m : Optimizer.class.getMethods()) {
      for (Class<?> p : m.getParameterTypes()) {
        assertFalse(
            Module.class.isAssignableFrom(p),
            "Optimizer." + m.getName() + " takes a " + p.getSimpleName());
      }
    }
    var model = Sequential.of(dev.quiver.dsl.layers.Dense.of(2)).input(3);
    assertEquals(model.parameters(), SGD.lr(0.1).on(model.parameters()).params());
  }
}
