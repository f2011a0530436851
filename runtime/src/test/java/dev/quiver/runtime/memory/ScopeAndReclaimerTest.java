package dev.quiver.runtime.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

// Host memory accounting (Arrow allocator bytes). Not part of the device suite.
@Tag("cpu-only")
class ScopeAndReclaimerTest {
  @Test
  void scopeFreesAllButKept() {
    Tensor a = Tensor.randn(1000);
    long base = Memory.bytesInUse();
    Tensor kept;
    Tensor dropped;
    try (var scope = MemoryScope.open()) {
      for (int i = 0; i < 500; i++) {
        a.add(a);
      }
      dropped = a.mul(a);
      kept = scope.keep(a.sub(a));
      assertEquals(501, scope.size());
    }
    assertTrue(dropped.view().storage().isReleased());
    assertFalse(kept.view().storage().isReleased());
    assertThrows(IllegalStateException.class, dropped::toFloatArray);
    kept.close();
    assertEquals(base, Memory.bytesInUse());
  }

  @Test
  void keptIntoAnOuterScopeIsFreedByIt() {
    long base = Memory.bytesInUse();
    try (var outer = MemoryScope.open()) {
      Tensor kept;
      try (var inner = MemoryScope.open()) {
        kept = inner.keep(Tensor.ones(100).add(Tensor.ones(100)));
      }
      assertEquals(2.0, kept.get(5), 0);
      assertTrue(outer.size() >= 1);
    }
    assertEquals(base, Memory.bytesInUse());
  }

  @Test
  void garbageCollectedTensorsAreFreedAndMemoryStaysBounded() {
    long base = Memory.collect();
    Tensor a = Tensor.randn(1000);
    for (int i = 0; i < 200_000; i++) {
      a.add(a);
    }
    a.close();
    assertEquals(base, Memory.collect());
  }
}
