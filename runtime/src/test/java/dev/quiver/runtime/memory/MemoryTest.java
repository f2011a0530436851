package dev.quiver.runtime.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The allocator's accounting is the truth about tensor memory; training must return it to its
 * baseline.
 */
// Host memory accounting (Arrow allocator bytes). Not part of the device suite.
@Tag("cpu-only")
class MemoryTest {

  /** One SGD step of a tiny 4-8-1 regression, the way a training loop writes it. */
  private static double step(Tensor w1, Tensor b1, Tensor w2, Tensor x, Tensor y) {
    Tensor loss = x.matmul(w1).add(b1).relu().matmul(w2).sub(y).square().mean();
    loss.backward();
    try (var ignored = Autograd.noGrad()) {
      for (Tensor p : new Tensor[] {w1, b1, w2}) {
        p.subInPlace(p.grad().mul(0.05));
        p.zeroGrad();
      }
    }
    return loss.item();
  }

  @Test
  void tenThousandStepsInScopesLeaveOnlyTheParameters() {
    long baseline = Memory.collect();
    Tensor w1 = Tensor.randn(new long[] {4, 8}, 1).requiresGrad();
    Tensor b1 = Tensor.zeros(8).requiresGrad();
    Tensor w2 = Tensor.randn(new long[] {8, 1}, 2).requiresGrad();
    Tensor x = Tensor.randn(new long[] {16, 4}, 3);
    Tensor y = x.sum(1, true);
    long withParameters = Memory.bytesInUse();
    double first = 0;
    double last = 0;
    long highest = 0;
    long steady = 0;
    for (int i = 0; i < 10_000; i++) {
      try (var scope = MemoryScope.open()) {
        last = step(w1, b1, w2, x, y);
        if (i == 0) {
          first = last;
        }
        highest = Math.max(highest, Memory.bytesInUse());
      }
      if (i == 0) {
        // The first backward gives each parameter a gradient buffer, kept and reused from then on.
        steady = Memory.bytesInUse();
        assertEquals(withParameters + 128 + 64 + 64, steady, "parameters plus their gradients");
      }
      // Every temporary of the step is gone the moment the scope closes.
      assertEquals(steady, Memory.bytesInUse(), "bytes in use after step " + i);
    }
    assertTrue(last < first / 10, "the model trained: loss " + first + " -> " + last);
    assertTrue(
        highest - withParameters < 64 * 1024,
        "one step's temporaries stay small: " + (highest - withParameters));
    w1 = b1 = w2 = x = y = null;
    assertEquals(baseline, Memory.collect(), "after the parameters are dropped");
  }

  @Test
  void tenThousandStepsWithoutScopesAreFreedByTheGarbageCollector() {
    long baseline = Memory.collect();
    Tensor w1 = Tensor.randn(new long[] {4, 8}, 4).requiresGrad();
    Tensor b1 = Tensor.zeros(8).requiresGrad();
    Tensor w2 = Tensor.randn(new long[] {8, 1}, 5).requiresGrad();
    Tensor x = Tensor.randn(new long[] {16, 4}, 6);
    Tensor y = x.sum(1, true);
    for (int i = 0; i < 10_000; i++) {
      step(w1, b1, w2, x, y);
    }
    w1 = b1 = w2 = x = y = null;
    assertEquals(baseline, Memory.collect(), "every GC-managed tensor was freed");
  }

  @Test
  void accountingCountsWholeCacheLines() {
    long before = Memory.bytesInUse();
    try (var scope = MemoryScope.open()) {
      Tensor.zeros(1000);
      assertEquals(before + 4032, Memory.bytesInUse(), "4000 bytes round up to 63 cache lines");
      Tensor.zeros(16);
      assertEquals(before + 4032 + 64, Memory.bytesInUse());
    }
    assertEquals(before, Memory.bytesInUse());
  }

  @Test
  void keepHandsATensorToTheEnclosingScope() {
    long before = Memory.bytesInUse();
    Tensor kept;
    try (var outer = MemoryScope.open()) {
      try (var inner = MemoryScope.open()) {
        Tensor.ones(100);
        kept = inner.keep(Tensor.full(7, 10));
      }
      assertEquals(7.0, kept.sum().item() / 10, 0);
      assertFalse(kept.view().storage().isReleased());
      assertEquals(outer, kept.view().storage().owner());
    }
    assertTrue(kept.view().storage().isReleased(), "freed with the outer scope");
    assertEquals(before, Memory.bytesInUse());
  }

  @Test
  void aTensorUsedAfterItsScopeClosedFailsClearlyInsteadOfCrashing() {
    Tensor leaked;
    try (var scope = MemoryScope.open()) {
      leaked = Tensor.ones(4);
    }
    Tensor t = leaked;
    var e = assertThrows(IllegalStateException.class, () -> t.add(t));
    assertTrue(e.getMessage().contains("released"), e.getMessage());
    assertTrue(t.toString().contains("released"), t.toString());
  }

  @Test
  void gradientsOfParametersOutliveTheStepScope() {
    Tensor w = Tensor.ones(3).requiresGrad();
    try (var scope = MemoryScope.open()) {
      w.mul(Tensor.of(1f, 2f, 3f)).sum().backward();
    }
    assertEquals(2.0, w.grad().get(1), 0);
    assertFalse(w.grad().view().storage().isReleased());
  }

  @Test
  void closingTwiceAndReleasingTwiceAreHarmless() {
    long before = Memory.bytesInUse();
    var scope = MemoryScope.open();
    Tensor t = Tensor.ones(8);
    t.close();
    t.close();
    scope.close();
    scope.close();
    assertEquals(before, Memory.bytesInUse());
  }
}
