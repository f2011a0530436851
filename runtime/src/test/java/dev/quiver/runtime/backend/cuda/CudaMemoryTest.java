package dev.quiver.runtime.backend.cuda;

import static dev.quiver.runtime.backend.cuda.CudaTestSupport.gpu;
import static dev.quiver.runtime.backend.cuda.CudaTestSupport.hostRandom;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.backend.ReduceOp;
import dev.quiver.runtime.backend.View;
import dev.quiver.runtime.math.ElementwiseMath.BinaryOp;
import dev.quiver.runtime.math.ElementwiseMath.UnaryOp;
import dev.quiver.runtime.memory.MemoryScope;
import org.junit.jupiter.api.Test;

/** Device memory is freed like host memory, and running out of it is an exception, not a crash. */
class CudaMemoryTest {
  /**
   * The backend under test: the real GPU here; the CPU emulation in {@link EmulatedCudaMemoryTest}.
   */
  protected CudaBackend backend() {
    return gpu();
  }

  /** Training-like steps per loop: the 10 000 on a GPU. */
  protected int steps() {
    return 10_000;
  }

  private static View out(CudaBackend g, MemoryScope owner, long... shape) {
    long n = CudaTestSupport.numel(shape);
    return View.contiguous(g.allocate(n * 4, owner), DType.FLOAT32, shape);
  }

  /**
   * One training-like step: a matmul, an activation, a loss-like reduction; every output in {@code
   * owner}.
   */
  private static void step(CudaBackend g, View x, View w, MemoryScope owner) {
    View h = out(g, owner, 64, 32);
    g.matmul(x, w, h);
    View a = out(g, owner, 64, 32);
    g.unary(UnaryOp.RELU, h, a);
    View sq = out(g, owner, 64, 32);
    g.binary(BinaryOp.MUL, a, a, sq);
    View s = out(g, owner, 1, 1);
    g.reduce(ReduceOp.SUM, sq, s);
  }

  @Test
  void tenThousandScopedStepsDoNotGrow() {
    CudaBackend g = backend();
    View x = g.fromHost(hostRandom(DType.FLOAT32, 1, -1, 1, 64, 128));
    View w = g.fromHost(hostRandom(DType.FLOAT32, 2, -1, 1, 128, 32));
    for (int i = 0; i < 10; i++) {
      try (MemoryScope scope = MemoryScope.open()) {
        step(g, x, w, scope);
      }
    }
    long baseline = g.bytesInUse();
    long cachedBaseline = g.bytesCached();
    for (int i = 0; i < steps(); i++) {
      try (MemoryScope scope = MemoryScope.open()) {
        step(g, x, w, scope);
      }
    }
    g.synchronize();
    assertEquals(baseline, g.bytesInUse(), "bytes in use after " + steps() + " scoped steps");
    assertEquals(cachedBaseline, g.bytesCached(), "the cache reuses the same blocks every step");
  }

  @Test
  void unreachableDeviceTensorsAreReclaimed() {
    CudaBackend g = backend();
    View x = g.fromHost(hostRandom(DType.FLOAT32, 3, -1, 1, 64, 128));
    View w = g.fromHost(hostRandom(DType.FLOAT32, 4, -1, 1, 128, 32));
    long baseline = g.collect();
    for (int i = 0; i < steps(); i++) {
      step(g, x, w, null); // garbage-collected outputs, as in a notebook
    }
    g.synchronize();
    assertEquals(baseline, g.collect(), "bytes in use once the collector has run");
  }

  @Test
  void outOfMemoryIsAClearException() {
    CudaBackend g = backend();
    long huge = 1L << 50; // a petabyte: no GPU has it
    CudaOutOfMemoryException e =
        assertThrows(CudaOutOfMemoryException.class, () -> g.allocate(huge, null));
    assertTrue(
        e.getMessage().contains("out of memory")
            && e.getMessage().contains(Long.toString(huge))
            && e.getMessage().contains("free of"),
        e.getMessage());
    // And the device still works afterwards.
    View d = g.fromHost(hostRandom(DType.FLOAT32, 5, -1, 1, 10));
    assertEquals(10, g.toHost(d).numel());
  }

  @Test
  void closedScopeReleasesDeviceStorageAndUseAfterwardsFailsClearly() {
    CudaBackend g = backend();
    long before = g.bytesInUse();
    View kept;
    try (MemoryScope scope = MemoryScope.open()) {
      kept = out(g, scope, 1000);
      g.fill(kept, 1);
      assertTrue(g.bytesInUse() > before);
    }
    assertEquals(before, g.bytesInUse());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> g.fill(kept, 2));
    assertTrue(e.getMessage().contains("released"), e.getMessage());
  }
}
