package dev.quiver.runtime.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.io.TensorFile;
import dev.quiver.runtime.math.ElementwiseMath.BinaryOp;
import dev.quiver.runtime.math.ElementwiseMath.UnaryOp;
import dev.quiver.runtime.ops.Elementwise;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small GC-managed float32 tensors on the Java heap ({@code -Dquiver.memory.heap=true}): where each
 * tensor's bytes live, and what a user must never notice (values to the bit, scope semantics,
 * files, a reachable tensor never freed, a tensor moved to native memory for a kernel). Runs in the
 * runtime's "heap-memory" test pass, which sets the property.
 */
@Tag("cpu-only")
@EnabledIfSystemProperty(named = "quiver.memory.heap", matches = "true")
class HeapMemoryTest {
  @TempDir Path dir;

  private static float[] heap(Tensor t) {
    return t.view().heapFloats();
  }

  @Test
  void smallGcManagedFloatTensorsAreArraysAndEveryOtherStaysNative() {
    assertEquals(1000, heap(Tensor.randn(new long[] {1000}, 1)).length);
    assertNotNull(heap(Tensor.zeros(HostStorage.HEAP_MAX / 4)));
    assertNull(heap(Tensor.zeros(HostStorage.HEAP_MAX / 4 + 1)), "above the limit");
    assertNull(heap(Tensor.of(1.0, 2.0, 3.0)), "float64");
    assertNull(heap(Tensor.ofInts(1, 2, 3)), "int32");
    try (var scope = MemoryScope.open()) {
      Tensor s = Tensor.full(2, 250);
      assertNull(heap(s), "a scope's small tensor: a block of its slab");
      assertEquals(500.0, s.sum().item(), 0);
    }
  }

  /** A GC-managed copy in native memory: made in a scope (its slab), kept (copied out). */
  private static Tensor nativeCopy(Tensor t) {
    try (var scope = MemoryScope.open()) {
      return scope.keep(Tensor.of(t.toFloatArray(), t.shape()));
    }
  }

  /** Values as the native path computes them: every operand and the result native. */
  private static Tensor nativeResult(Tensor a, Tensor b, BinaryOp op, UnaryOp u) {
    Tensor na = nativeCopy(a);
    Tensor nb = b == null ? null : nativeCopy(b);
    try (var scope = MemoryScope.open()) {
      assertNull(heap(na));
      return scope.keep(u != null ? Elementwise.unary(u, na) : Elementwise.binary(op, na, nb));
    }
  }

  @Test
  void opsOnHeapTensorsGiveTheNativePathsValuesToTheBit() {
    for (int n : new int[] {7, 256, 257, 1000, 1024}) {
      Tensor a = Tensor.randn(new long[] {n}, n);
      Tensor b = Tensor.randn(new long[] {n}, n + 1).abs().add(0.5f);
      Tensor one = Tensor.of(1.75f);
      for (BinaryOp op : BinaryOp.values()) {
        Tensor x = op == BinaryOp.POW ? b : a;
        for (Tensor y : new Tensor[] {b, one}) {
          Tensor onHeap = Elementwise.binary(op, x, y);
          assertNotNull(heap(onHeap), op + ": a heap result");
          assertArrayEquals(
              nativeResult(x, y, op, null).toFloatArray(), onHeap.toFloatArray(), op + " " + n);
          Tensor mixed = Elementwise.binary(op, x, nativeCopy(y));
          assertNotNull(heap(mixed));
          assertArrayEquals(onHeap.toFloatArray(), mixed.toFloatArray(), op + " mixed " + n);
        }
      }
      for (UnaryOp op : UnaryOp.values()) {
        Tensor x = op == UnaryOp.LOG || op == UnaryOp.SQRT ? b : a;
        Tensor onHeap = Elementwise.unary(op, x);
        assertArrayEquals(
            nativeResult(x, null, null, op).toFloatArray(), onHeap.toFloatArray(), op + " " + n);
      }
      assertNotNull(heap(a), "ops with a heap result leave their operands on the heap");
      assertNotNull(heap(b));
    }
  }

  @Test
  void aHeapTensorUsedInAScopeMovesToNativeMemoryOnceWithItsValues() {
    Tensor w = Tensor.randn(new long[] {100}, 3);
    float[] before = w.toFloatArray();
    Tensor sum;
    try (var scope = MemoryScope.open()) {
      sum = scope.keep(w.add(w));
    }
    assertNull(heap(w), "a scope's op made its operand native: the next ones are native too");
    assertArrayEquals(before, w.toFloatArray());
    assertEquals(2 * before[7], sum.get(7), 0);
  }

  @Test
  void aKernelWithoutAHeapFormMovesTheTensorOffTheHeapWithItsValues() {
    Tensor w = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
    Tensor t = w.transpose(0, 1);
    assertNotNull(heap(w));
    Tensor m = w.matmul(Tensor.eye(2));
    assertArrayEquals(new float[] {1, 2, 3, 4}, m.toFloatArray());
    assertNull(heap(w), "moved to native memory for the matmul");
    assertTrue(w.view().hostSegment().isNative());
    assertArrayEquals(new float[] {1, 3, 2, 4}, t.contiguous().toFloatArray(), "views follow");
    w.view().hostSegment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 0, 9f);
    assertEquals(9.0, t.get(0, 0), 0);
  }

  @Test
  void aGcManagedHeapTensorKeptInAScopeIsReleasedWithIt() {
    Tensor t = Tensor.full(5, 10);
    try (var scope = MemoryScope.open()) {
      t.moveTo(scope);
    }
    var e = assertThrows(IllegalStateException.class, t::sum);
    assertTrue(e.getMessage().contains("scope.keep"), e.getMessage());
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
    assertNotNull(heap(live));
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
    assertNotNull(heap(out.get("w")));
    Path f = dir.resolve("heap.arrow");
    TensorFile.save(f, out);
    Map<String, Tensor> in = TensorFile.load(f);
    assertArrayEquals(out.get("w").toFloatArray(), in.get("w").toFloatArray());
    assertArrayEquals(out.get("d").toDoubleArray(), in.get("d").toDoubleArray());
    assertArrayEquals(out.get("y").toIntArray(), in.get("y").toIntArray());
    assertEquals(DType.INT32, in.get("y").dtype());
    assertNotNull(heap(in.get("w")), "read into a heap tensor");
    assertNotNull(heap(out.get("w")), "written from the heap, not moved");
  }
}
