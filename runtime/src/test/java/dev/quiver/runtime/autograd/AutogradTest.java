package dev.quiver.runtime.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The backward engine: accumulation, graph lifetime, noGrad, detach, shared subgraphs, deep graphs.
 */
class AutogradTest {

  @Test
  void gradientsOfASimpleExpression() {
    // loss = mean((w*x + b - y)^2) with hand-computed derivatives.
    Tensor x = Tensor.of(1f, 2f, 3f);
    Tensor y = Tensor.of(2f, 4f, 7f);
    Tensor w = Tensor.scalar(1.5).requiresGrad();
    Tensor b = Tensor.scalar(0.5).requiresGrad();
    Tensor loss = w.mul(x).add(b).sub(y).square().mean();
    // residuals r = [0, -0.5, -2]; dL/dw = 2/3 Σ r x = 2/3 (0 - 1 - 6) = -14/3; dL/db = 2/3 Σ r =
    // -5/3.
    assertEquals((0 + 0.25 + 4) / 3.0, loss.item(), 1e-6);
    loss.backward();
    assertEquals(-14.0 / 3, w.grad().item(), 1e-6);
    assertEquals(-5.0 / 3, b.grad().item(), 1e-6);
    assertEquals(0, w.grad().dim());
    assertEquals(DType.FLOAT32, w.grad().dtype());
  }

  @Test
  void gradientsAccumulateAcrossBackwardCalls() {
    Tensor w = Tensor.of(1f, 2f).requiresGrad();
    w.mul(3).sum().backward();
    assertArrayEquals(new float[] {3, 3}, w.grad().toFloatArray());
    Tensor first = w.grad();
    w.square().sum().backward();
    assertArrayEquals(new float[] {5, 7}, w.grad().toFloatArray());
    assertSame(first, w.grad(), "accumulates in place into the same gradient tensor");
    // zeroGrad keeps the buffer (no allocation per training step) and sets it to zero.
    w.zeroGrad();
    assertSame(first, w.grad());
    assertArrayEquals(new float[] {0, 0}, w.grad().toFloatArray());
    w.sum().backward();
    assertArrayEquals(new float[] {1, 1}, w.grad().toFloatArray());
  }

  @Test
  void leafGradientIsItsOwnCopy() {
    // The upstream gradient of sum() is broadcast (stride 0); the leaf must get a real tensor of
    // its own.
    Tensor w = Tensor.zeros(2, 3).requiresGrad();
    w.sum().backward();
    Tensor g = w.grad();
    assertArrayEquals(new long[] {2, 3}, g.shape());
    assertTrue(g.isContiguous());
    assertNotNull(g);
    g.set(5, 0, 0);
    assertArrayEquals(new float[] {5, 1, 1, 1, 1, 1}, g.toFloatArray());
    assertFalse(g.isGradRequired());
  }

  @Test
  void secondBackwardThroughTheSameGraphFails() {
    Tensor w = Tensor.of(1f, 2f).requiresGrad();
    Tensor loss = w.exp().sum();
    loss.backward();
    var e = assertThrows(IllegalStateException.class, loss::backward);
    assertTrue(e.getMessage().contains("already used"), e.getMessage());
    assertTrue(e.getMessage().contains("recompute"), e.getMessage());
    // A fresh forward pass works again.
    w.exp().sum().backward();
    assertEquals(2 * Math.E, w.grad().get(0), 1e-5);
  }

  @Test
  void backwardOfANonScalarNeedsAnUpstreamGradient() {
    Tensor w = Tensor.of(1f, 2f, 3f).requiresGrad();
    var e = assertThrows(IllegalArgumentException.class, () -> w.square().backward());
    assertTrue(e.getMessage().contains("[3]"), e.getMessage());
    assertNull(w.grad());
    // With one it is a vector-Jacobian product.
    w.square().backward(Tensor.of(1f, 0f, -1f));
    assertArrayEquals(new float[] {2, 0, -6}, w.grad().toFloatArray());
  }

  @Test
  void noGradRecordsNothing() {
    Tensor w = Tensor.ones(2).requiresGrad();
    Tensor y;
    try (var ng = Autograd.noGrad()) {
      assertFalse(Autograd.isEnabled());
      y = w.mul(2).exp().sum();
      try (var inner = Autograd.noGrad()) {
        assertFalse(Autograd.isEnabled());
      }
      assertFalse(Autograd.isEnabled(), "nested scopes restore the outer one");
    }
    assertTrue(Autograd.isEnabled());
    assertFalse(y.isGradRequired());
    assertNull(y.gradNode());
    assertThrows(IllegalStateException.class, y::backward);
    // Closing twice is harmless.
    var ng = Autograd.noGrad();
    ng.close();
    ng.close();
    assertTrue(Autograd.isEnabled());
    assertTrue(w.mul(2).isGradRequired());
  }

  @Test
  void opsWithoutGradInputsRecordNothing() {
    Tensor a = Tensor.ones(2);
    Tensor y = a.mul(2).exp();
    assertFalse(y.isGradRequired());
    assertNull(y.gradNode());
    Tensor w = Tensor.ones(2).requiresGrad();
    Tensor z = a.mul(w);
    assertNotNull(z.gradNode());
    assertEquals("mul", z.gradNode().op());
    assertFalse(z.isLeaf());
  }

  @Test
  void detachStopsGradients() {
    Tensor x = Tensor.of(3f).requiresGrad();
    Tensor y = x.detach().mul(x); // treated as c·x with c = 3
    y.backward();
    assertEquals(3, x.grad().item());
    Tensor d = x.detach();
    assertFalse(d.isGradRequired());
    assertSame(x.view().storage(), d.view().storage());
    assertTrue(d.isLeaf());
  }

  @Test
  void diamondGraphsSumBothPaths() {
    // z = 2y + y², y = e^x: dz/dx = (2 + 2y)·y.
    Tensor x = Tensor.of(0.5).requiresGrad();
    Tensor y = x.exp();
    Tensor z = y.mul(2).add(y.square());
    z.backward();
    double ey = Math.exp(0.5);
    assertEquals((2 + 2 * ey) * ey, x.grad().item(), 1e-12);
    // Intermediate results do not keep gradients.
    assertNull(y.grad());
  }

  @Test
  void sameTensorInTwoOperandSlots() {
    Tensor x = Tensor.of(3.0).requiresGrad();
    x.mul(x).add(x).backward(); // d(x² + x)/dx = 2x + 1
    assertEquals(7, x.grad().item());
  }

  @Test
  void onlyLeavesThatRequireGradGetGradients() {
    Tensor a = Tensor.of(2.0).requiresGrad();
    Tensor b = Tensor.of(5.0);
    a.mul(b).backward();
    assertEquals(5, a.grad().item());
    assertNull(b.grad());
  }

  @Test
  void unusedInputGetsNoGradient() {
    Tensor a = Tensor.of(1.0, 2.0).requiresGrad();
    Tensor b = Tensor.of(1.0, 2.0).requiresGrad();
    a.sum().add(b.mul(0).sum()).backward();
    assertArrayEquals(new double[] {0, 0}, b.grad().toDoubleArray());
    Tensor c = Tensor.of(1.0).requiresGrad();
    a.sum().backward();
    assertNull(c.grad());
  }

  @Test
  void backwardOfALeafItself() {
    Tensor x = Tensor.of(4.0).requiresGrad();
    x.backward();
    assertEquals(1, x.grad().item());
  }

  @Test
  void deepChainDoesNotOverflowTheStack() {
    Tensor x = Tensor.of(1.0).requiresGrad();
    Tensor y = x;
    for (int i = 0; i < 10_000; i++) {
      y = y.mul(1.0001);
    }
    y.backward();
    assertEquals(Math.pow(1.0001, 10_000), x.grad().item(), 1e-9);
    // A deep chain of views and a deep sum tree behave the same.
    Tensor v = Tensor.ones(2, 2).requiresGrad();
    Tensor t = v;
    for (int i = 0; i < 10_000; i++) {
      t = t.transpose();
    }
    t.sum().backward();
    assertArrayEquals(new float[] {1, 1, 1, 1}, v.grad().toFloatArray());
  }

  @Test
  void wideFanOutSumsEveryUse() {
    Tensor x = Tensor.of(2.0).requiresGrad();
    Tensor acc = Tensor.scalar(0, DType.FLOAT64);
    for (int i = 0; i < 1000; i++) {
      acc = acc.add(x.mul(i));
    }
    acc.backward();
    assertEquals(999 * 1000 / 2.0, x.grad().item());
  }

  @Test
  void gradientsFlowThroughInPlaceUpdatedParametersOnTheNextStep() {
    // The optimizer pattern: backward, update under noGrad, zero the gradient, repeat.
    Tensor w = Tensor.of(0.0).requiresGrad();
    for (int step = 0; step < 200; step++) {
      Tensor loss = w.sub(3).square();
      loss.backward();
      try (var ng = Autograd.noGrad()) {
        w.subInPlace(w.grad().mul(0.1));
      }
      w.zeroGrad();
    }
    assertEquals(3, w.item(), 1e-6);
  }

  @Test
  void castsCarryGradientsBack() {
    Tensor x = Tensor.of(1f, 2f).requiresGrad();
    Tensor y = x.to(DType.FLOAT64).square().sum();
    assertEquals(DType.FLOAT64, y.dtype());
    y.backward();
    assertEquals(DType.FLOAT32, x.grad().dtype());
    assertArrayEquals(new float[] {2, 4}, x.grad().toFloatArray());
    // To int32 there is no gradient.
    assertFalse(x.to(DType.INT32).isGradRequired());
  }

  @Test
  void indexTensorsAreNeverDifferentiated() {
    Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).requiresGrad();
    Tensor idx = Tensor.ofInts(new int[] {1, 1}, 2, 1);
    x.gather(1, idx).sum().backward();
    assertArrayEquals(new float[] {0, 1, 0, 1}, x.grad().toFloatArray());
    assertNull(idx.grad());
  }
}
