package dev.quiver.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import dev.quiver.runtime.memory.Memory;
import dev.quiver.runtime.memory.MemoryScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FusedTest {
  private static Tensor rand(long seed, long... shape) {
    return Tensor.randn(shape, seed);
  }

  /** Bit-for-bit equality, NaN payloads aside (NaN matches NaN). */
  private static void assertSameBits(Tensor expected, Tensor actual) {
    assertArrayEquals(expected.shape(), actual.shape(), "shape");
    float[] e = expected.toFloatArray();
    float[] a = actual.toFloatArray();
    for (int i = 0; i < e.length; i++) {
      if (Float.isNaN(e[i]) && Float.isNaN(a[i])) {
        continue;
      }
      assertEquals(
          Float.floatToIntBits(e[i]),
          Float.floatToIntBits(a[i]),
          "element " + i + ": " + e[i] + " vs " + a[i]);
    }
  }

  private static void assertWithinUlps(Tensor expected, Tensor actual, int ulps) {
    assertArrayEquals(expected.shape(), actual.shape(), "shape");
    float[] e = expected.toFloatArray();
    float[] a = actual.toFloatArray();
    for (int i = 0; i < e.length; i++) {
      if (Float.isNaN(e[i]) || Float.isNaN(a[i])) {
        assertEquals(Float.isNaN(e[i]), Float.isNaN(a[i]), "NaN at " + i);
        continue;
      }
      assertTrue(
          Math.abs(e[i] - a[i]) <= ulps * Math.ulp(Math.max(Math.abs(e[i]), Math.abs(a[i]))),
          "element " + i + ": " + e[i] + " vs " + a[i]);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 7, 8, 15, 1000, 2047, 2048, 2049, 4099, 100_003})
  void chainMatchesUnfusedBitForBit(int n) {
    Tensor a = rand(1, n);
    Tensor b = rand(2, n);
    Tensor c = rand(3, n);
    assertSameBits(a.mul(b).add(c).relu(), a.fused().mul(b).add(c).relu().eval());
    assertSameBits(
        a.sub(b).div(c).maximum(0.5).minimum(2.0),
        a.fused().sub(b).div(c).maximum(0.5).minimum(2.0).eval());
    assertSameBits(a.square().neg().abs().mul(3.0), a.fused().square().neg().abs().mul(3.0).eval());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 9, 2048, 5003})
  void transcendentalsMatchUnfused(int n) {
    Tensor a = rand(4, n);
    Tensor b = rand(5, n).abs().add(0.1);
    assertSameBits(
        a.exp().mul(b.log()).add(a.tanh()).sub(a.sigmoid()),
        a.fused().exp().mul(b.fused().log()).add(a.fused().tanh()).sub(a.fused().sigmoid()).eval());
    assertSameBits(
        b.sqrt().reciprocal().add(a.sin()).add(a.cos()).sub(a.sign()),
        b.fused()
            .sqrt()
            .reciprocal()
            .add(a.fused().sin())
            .add(a.fused().cos())
            .sub(a.fused().sign())
            .eval());
    assertSameBits(b.pow(a), b.fused().pow(a).eval());
  }

  @Test
  void broadcastingAgreesWithUnfused() {
    Tensor m = rand(6, 37, 129);
    Tensor row = rand(7, 129);
    Tensor col = rand(8, 37, 1);
    Tensor s = Tensor.scalar(1.5);
    Tensor expected = m.mul(row).add(col).sub(s).exp();
    Tensor got = m.fused().mul(row).add(col).sub(s).exp().eval();
    // Rows of 129 put vector tails on other elements than one flat run does: exp may differ by 1
    // ulp.
    assertWithinUlps(expected, got, 1);
    assertSameBits(m.mul(row).add(col), m.fused().mul(row).add(col).eval());
    // The result shape comes from all inputs together.
    assertArrayEquals(new long[] {37, 129}, col.fused().add(row).eval().shape());
  }

  @Test
  void nonContiguousInputs() {
    Tensor a = rand(9, 64, 33).transpose();
    Tensor b = rand(10, 33, 64);
    Tensor c = rand(11, 33, 128).slice(1, 0, 128, 2);
    assertSameBits(a.mul(b).add(c).relu(), a.fused().mul(b).add(c).relu().eval());
  }

  @Test
  void nanAndInfinityPropagateAsUnfused() {
    float[] v = new float[2051];
    for (int i = 0; i < v.length; i++) {
      v[i] =
          switch (i % 5) {
            case 0 -> Float.NaN;
            case 1 -> Float.POSITIVE_INFINITY;
            case 2 -> Float.NEGATIVE_INFINITY;
            case 3 -> -0.0f;
            default -> i * 0.25f - 100;
          };
    }
    Tensor a = Tensor.of(v);
    Tensor b = rand(12, v.length);
    assertSameBits(a.mul(b).add(a).relu(), a.fused().mul(b).add(a).relu().eval());
    assertSameBits(a.maximum(b).minimum(a), a.fused().maximum(b).minimum(a).eval());
    assertSameBits(a.div(b).sqrt(), a.fused().div(b).sqrt().eval());
    assertSameBits(
        a.lt(b).add(a.ge(b)), a.fused().lt(Fused.of(b)).add(a.fused().ge(Fused.of(b))).eval());
  }

  @Test
  void sharedSubexpressionsAndConstants() {
    Tensor a = rand(13, 3001);
    Fused t = a.fused().mul(2.0).add(1.0);
    assertSameBits(a.mul(2.0).add(1.0).mul(a.mul(2.0).add(1.0)), t.mul(t).eval());
    assertSameBits(a.rsub(1).clamp(-0.5, 0.5), a.fused().rsub(1).clamp(-0.5, 0.5).eval());
    // A long chain needs only a couple of registers and no deep recursion.
    Fused f = a.fused();
    Tensor u = a;
    for (int i = 0; i < 2000; i++) {
      f = f.mul(0.999).add(0.001);
      u = u.mul(0.999).add(0.001);
    }
    assertSameBits(u, f.eval());
  }

  @Test
  void bareInputAndConstantOnly() {
    Tensor a = rand(14, 10);
    Tensor copy = a.fused().eval();
    assertNotSame(a, copy);
    assertSameBits(a, copy);
    assertEquals(5.0, Fused.constant(2).add(3).eval().item(), 0);
  }

  @Test
  void intoPreallocatedAndInPlace() {
    Tensor a = rand(15, 4097);
    Tensor b = rand(16, 4097);
    Tensor expected = a.mul(0.9).add(b.mul(0.1));
    Tensor out = Tensor.zeros(4097);
    assertSame(out, a.fused().mul(0.9).add(b.fused().mul(0.1)).into(out));
    assertSameBits(expected, out);
    // out may be an input: each block is read before it is written.
    a.fused().mul(0.9).add(b.fused().mul(0.1)).into(a);
    assertSameBits(expected, a);
    // into broadcasts the expression to the target's shape.
    Tensor wide = Tensor.zeros(3, 4097);
    b.fused().add(1).into(wide);
    assertSameBits(b.add(1).expand(3, 4097).contiguous(), wide);
    assertThrows(IllegalArgumentException.class, () -> wide.fused().into(Tensor.zeros(4097)));
  }

  @Test
  void gradientsFallBackToUnfusedOps() {
    Tensor a = rand(17, 5, 7).requiresGrad();
    Tensor b = rand(18, 7).requiresGrad();
    Tensor c = rand(19, 5, 7);
    Tensor fused = a.fused().mul(b).add(c).tanh().eval();
    assertTrue(fused.isGradRequired());
    fused.sum().backward();
    Tensor ga = a.grad();
    Tensor gb = b.grad();
    a.zeroGrad();
    b.zeroGrad();
    a.mul(b).add(c).tanh().sum().backward();
    assertSameBits(a.grad(), ga);
    assertSameBits(b.grad(), gb);
    // Under noGrad the fused kernel runs and records nothing.
    try (var ng = Autograd.noGrad()) {
      Tensor r = a.fused().mul(b).add(c).tanh().eval();
      assertTrue(r.isLeaf());
      assertSameBits(a.mul(b).add(c).tanh(), r);
    }
  }

  @Test
  void otherTypesFallBackAndMismatchesAreErrors() {
    Tensor d = Tensor.of(new double[] {1, 2, 3});
    assertArrayEquals(new double[] {2, 5, 10}, d.fused().square().add(1).eval().toDoubleArray());
    assertEquals(DType.FLOAT64, d.fused().mul(d).eval().dtype());
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> d.fused().add(Tensor.of(1f, 2f, 3f)).eval());
    assertTrue(e.getMessage().contains("different types"), e.getMessage());
    var s =
        assertThrows(
            IllegalArgumentException.class,
            () -> Tensor.zeros(3).fused().add(Tensor.zeros(4)).eval());
    assertTrue(s.getMessage().contains("[3]") && s.getMessage().contains("[4]"), s.getMessage());
  }

  @Test
  void resultsBelongToTheCurrentScope() {
    Tensor a = rand(20, 1 << 16);
    // Earlier tests' garbage freed now: freed during the loop (each allocation drains the
    // reclaimer), it made the count after the scope lower than this one, now and then.
    long before = Memory.collect();
    try (var scope = MemoryScope.open()) {
      for (int i = 0; i < 10; i++) {
        a.fused().mul(a).add(1).eval();
      }
    }
    assertEquals(before, Memory.bytesInUse());
  }
}
