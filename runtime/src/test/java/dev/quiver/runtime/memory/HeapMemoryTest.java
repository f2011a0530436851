package dev.quiver.runtime.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.io.TensorFile;
import java.lang.foreign.MemorySegment;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small tensors on the Java heap ({@code -Dquiver.memory.heap=true}, off by default): where each
 * tensor's bytes live, and what a user must never notice (values, scope semantics, files, a
 * reachable tensor never freed). Runs in the runtime's "heap-memory" test pass, which sets the
 * property.
 */
@Tag("cpu-only")
@EnabledIfSystemProperty(named = "quiver.memory.heap", matches = "true")
class HeapMemoryTest {
  @TempDir Path dir;

  private static MemorySegment bytes(Tensor t) {
    return t.view().hostSegment();
  }

  @Test
  void smallTensorsAreArraysOfTheirElementTypeAndLargeOnesStayNative() {
    assertInstanceOf(float[].class, bytes(Tensor.randn(new long[] {1000}, 1)).heapBase().get());
    assertInstanceOf(double[].class, bytes(Tensor.of(1.0, 2.0, 3.0)).heapBase().get());
    assertInstanceOf(int[].class, bytes(Tensor.ofInts(1, 2, 3)).heapBase().get());
    assertInstanceOf(float[].class, bytes(Tensor.zeros(HostStorage.HEAP_MAX / 4)).heapBase().get());
    assertTrue(bytes(Tensor.zeros(HostStorage.HEAP_MAX / 4 + 1)).isNative(), "above the limit");
    try (var scope = MemoryScope.open()) {
      Tensor s = Tensor.full(2, 250);
      assertFalse(bytes(s).isNative(), "a scope's small tensor: a block of a heap chunk");
      assertEquals(500.0, s.sum().item(), 0);
      assertTrue(bytes(Tensor.zeros(ScopeSlab.MAX_BLOCK / 4 + 1)).isNative());
    }
  }

  @Test
  void opsOnHeapAndNativeOperandsGiveTheSameValues() {
    float[] x = new float[1000];
    for (int i = 0; i < x.length; i++) {
      x[i] = i * 0.5f;
    }
    Tensor small = Tensor.of(x);
    Tensor large = Tensor.ones(5000).mul(3);
    Tensor sum = small.add(small).sum();
    assertEquals(2 * 0.5 * 999 * 1000 / 2, sum.item(), 1e-2);
    assertEquals(15000.0, large.sum().item(), 0);
    Tensor m = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).matmul(Tensor.eye(2));
    assertArrayEquals(new float[] {1, 2, 3, 4}, m.toFloatArray());
    assertArrayEquals(new double[] {2, 4}, Tensor.of(1.0, 2.0).mul(2).toDoubleArray());
  }

  @Test
  void aScopesHeapTensorsAreReleasedWithItAndAKeptOneIsCopiedOut() {
    Tensor kept;
    Tensor dropped;
    Tensor view;
    try (var scope = MemoryScope.open()) {
      dropped = Tensor.full(1, 10);
      kept = scope.keep(Tensor.full(7, 6));
      view = kept.reshape(2, 3);
      assertEquals(null, kept.view().storage().owner());
    }
    var e = assertThrows(IllegalStateException.class, () -> dropped.sum());
    assertTrue(e.getMessage().contains("scope.keep"), e.getMessage());
    assertEquals(42.0, kept.sum().item(), 0);
    assertEquals(42.0, view.sum().item(), 0, "the view sees the copy");
    assertInstanceOf(float[].class, bytes(kept).heapBase().get(), "kept to the collector: heap");
    try (var scope = MemoryScope.open()) {
      for (int i = 0; i < 2000; i++) {
        Tensor.full(i, 1000); // the next scopes reuse the chunks the first one gave back
      }
    }
    assertEquals(42.0, kept.sum().item(), 0, "the copy is its own, not a block of a chunk");
  }

  @Test
  void aReachableHeapTensorIsNeverFreedAndAnUnreachableOneIsCollected() {
    Tensor live = Tensor.full(3, 1000);
    WeakReference<Tensor> gone = new WeakReference<>(Tensor.full(4, 1000));
    for (int i = 0; i < 5 && gone.get() != null; i++) {
      Memory.collect();
    }
    assertEquals(null, gone.get());
    for (int i = 0; i < 200_000; i++) {
      Tensor.full(i, 1000); // garbage enough for many young collections
    }
    assertEquals(3000.0, live.sum().item(), 0);
  }

  @Test
  void heapTensorsAreNotCountedInBytesInUse() {
    long base = Memory.collect();
    Tensor[] held = new Tensor[100];
    for (int i = 0; i < held.length; i++) {
      held[i] = Tensor.full(i, 1000);
    }
    assertEquals(base, Memory.bytesInUse(), "heap tensors are the Java heap's, not native memory");
    Tensor large = Tensor.zeros(100_000);
    assertEquals(base + 400_000, Memory.bytesInUse(), "a large tensor is native and counted");
    assertEquals(4950.0 * 1000, Tensor.of(sums(held)).sum().item(), 0);
    large.close();
  }

  private static float[] sums(Tensor[] ts) {
    float[] s = new float[ts.length];
    for (int i = 0; i < ts.length; i++) {
      s[i] = (float) ts[i].sum().item();
    }
    return s;
  }

  @Test
  void heapTensorsRoundTripThroughArrowIpcFiles() throws Exception {
    Map<String, Tensor> out = new LinkedHashMap<>();
    out.put("w", Tensor.randn(new long[] {4, 10}, 5));
    out.put("d", Tensor.of(1.5, -2.5));
    out.put("y", Tensor.ofInts(3, 1, 2));
    Path f = dir.resolve("heap.arrow");
    TensorFile.save(f, out);
    Map<String, Tensor> in = TensorFile.load(f);
    assertArrayEquals(out.get("w").toFloatArray(), in.get("w").toFloatArray());
    assertArrayEquals(out.get("d").toDoubleArray(), in.get("d").toDoubleArray());
    assertArrayEquals(out.get("y").toIntArray(), in.get("y").toIntArray());
    assertEquals(DType.INT32, in.get("y").dtype());
  }
}
