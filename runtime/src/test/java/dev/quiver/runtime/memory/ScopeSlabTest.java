package dev.quiver.runtime.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.io.TensorFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small tensors of a scope live in the scope's slab: what a user must never notice (values, scope
 * semantics, threads, files) and the accounting of {@link Memory#bytesInUse()}.
 */
@Tag("cpu-only")
class ScopeSlabTest {
  @TempDir Path dir;

  /** 1000 floats: 4000 bytes, a slab block of 4032 (whole cache lines). */
  private static final long BLOCK_4000 = 4032;

  @Test
  void smallTensorsHoldTheirValuesAndCountWhileTheScopeIsOpen() {
    long base = Memory.collect();
    List<Tensor> made = new ArrayList<>();
    try (var scope = MemoryScope.open()) {
      for (int i = 0; i < 100; i++) {
        made.add(Tensor.full(i, 250)); // 1000 bytes each: 1024 in the slab
      }
      for (int i = 0; i < made.size(); i++) {
        assertEquals(250.0 * i, made.get(i).sum().item(), 0, "tensor " + i);
      }
      assertEquals(base + 100 * 1024, Memory.bytesInUse() - sumsHeld(scope, made));
      assertEquals(100 + made.size(), scope.size(), "the tensors and their sums");
    }
    assertEquals(base, Memory.bytesInUse(), "closed: every block is free again, no GC needed");
    assertTrue(made.get(7).view().storage().isReleased());
    var e = assertThrows(IllegalStateException.class, () -> made.get(7).sum());
    assertTrue(e.getMessage().contains("scope.keep"), e.getMessage());
  }

  /** Bytes of the 100 scalar sums made above (one 64-byte block each), none of the tensors'. */
  private static long sumsHeld(MemoryScope scope, List<Tensor> made) {
    return made.size() * 64L;
  }

  @Test
  void aTensorClosedInsideItsScopeCountsNoMoreAndTheScopeFreesTheRest() {
    long base = Memory.collect();
    try (var scope = MemoryScope.open()) {
      Tensor a = Tensor.ones(1000);
      Tensor b = Tensor.ones(1000);
      assertEquals(base + 2 * BLOCK_4000, Memory.bytesInUse());
      a.close();
      a.close(); // idempotent
      assertEquals(base + BLOCK_4000, Memory.bytesInUse());
      assertEquals(1, scope.size());
      assertThrows(IllegalStateException.class, a::toFloatArray);
      assertEquals(1000.0, b.sum().item(), 0);
    }
    assertEquals(base, Memory.bytesInUse());
  }

  @Test
  void aKeptTensorIsCopiedOutAndSurvivesWithItsViews() {
    Tensor kept;
    Tensor view;
    Tensor dropped;
    long base = Memory.collect();
    try (var scope = MemoryScope.open()) {
      Tensor x = Tensor.arange(1000);
      view = x.reshape(10, 100); // shares x's storage
      dropped = x.mul(x);
      kept = scope.keep(x);
      assertSame(kept, x);
      assertEquals(1, scope.size(), "only `dropped` is left to the scope");
      assertEquals(null, kept.view().storage().owner(), "handed to the garbage collector");
    }
    assertTrue(dropped.view().storage().isReleased());
    assertFalse(kept.view().storage().isReleased());
    assertEquals(base + 4096, Memory.bytesInUse(), "the copy: a small GC-managed block");
    assertEquals(999.0, kept.get(999), 0);
    assertEquals(999.0 * 1000 / 2, view.sum().item(), 0, "the view reads the copy");
    kept.close();
    assertTrue(view.view().storage().isReleased(), "the view shares the released storage");
    assertEquals(base, Memory.collect());
  }

  @Test
  void aTensorKeptIntoTheOuterScopeIsFreedByIt() {
    long base = Memory.collect();
    try (var outer = MemoryScope.open()) {
      Tensor kept;
      try (var inner = MemoryScope.open()) {
        kept = inner.keep(Tensor.ones(100).add(Tensor.ones(100)));
        assertSame(outer, kept.view().storage().owner());
      }
      assertEquals(2.0, kept.get(5), 0);
      assertEquals(1, outer.size());
      // The inner scope's chunks go to the next scope: the outer one's new tensors reuse them.
      for (int i = 0; i < 100; i++) {
        Tensor.full(9, 1000);
      }
      assertEquals(200.0, kept.sum().item(), 0);
    }
    assertEquals(base, Memory.bytesInUse());
  }

  @Test
  void aTensorMovedIntoAnotherScopeOrToTheCollectorIsACopyOwnedThere() {
    Tensor escaped;
    Tensor movedOut;
    long base = Memory.collect();
    try (var outer = MemoryScope.open()) {
      try (var inner = MemoryScope.open()) {
        movedOut = Tensor.full(3, 1000);
        movedOut.moveTo(outer);
        movedOut.moveTo(outer); // already there: nothing happens
        escaped = Tensor.full(4, 1000);
        escaped.moveTo(null);
        assertEquals(0, inner.size());
      }
      assertEquals(1, outer.size(), "the copy of movedOut");
      movedOut.moveTo(null); // the copy is an ordinary storage: moves as any
      assertEquals(0, outer.size());
      assertEquals(3000.0, movedOut.sum().item(), 0);
    }
    assertEquals(4000.0, escaped.sum().item(), 0);
    assertEquals(3000.0, movedOut.sum().item(), 0);
    escaped = null;
    movedOut = null;
    assertEquals(base, Memory.collect(), "the copies are GC-managed and freed when unreachable");
  }

  @Test
  void scopesReuseChunksWithoutDisturbingAnOuterScopesTensors() {
    long base = Memory.collect();
    try (var outer = MemoryScope.open()) {
      Tensor a = Tensor.full(7, 1000);
      for (int round = 0; round < 30; round++) {
        List<Tensor> made = new ArrayList<>();
        try (var inner = MemoryScope.open()) {
          for (int i = 0; i < 200; i++) {
            made.add(Tensor.full(round * 1000 + i, 1000));
          }
          for (int i = 0; i < made.size(); i++) {
            assertEquals(1000.0 * (round * 1000 + i), made.get(i).sum().item(), 1e-3 * round);
          }
        }
        assertTrue(made.get(0).view().storage().isReleased());
        assertEquals(7000.0, a.sum().item(), 0, "round " + round);
      }
    }
    assertEquals(base, Memory.bytesInUse());
  }

  @Test
  void largeTensorsOfAScopeKeepBuffersOfTheirOwn() {
    long base = Memory.collect();
    try (var scope = MemoryScope.open()) {
      Tensor big = Tensor.ones(10_000); // 40 000 bytes: over the slab's largest block
      assertTrue(big.view().storage().byteSize() > ScopeSlab.MAX_BLOCK);
      assertEquals(10_000.0, big.sum().item(), 0);
      assertEquals(2, scope.size());
    }
    assertEquals(base, Memory.bytesInUse());
  }

  @Test
  void anotherThreadAllocatingIntoAScopeGetsMemoryTheScopeStillFrees() throws Exception {
    long base = Memory.collect();
    try (var scope = MemoryScope.open()) {
      Tensor[] fromThere = new Tensor[1];
      Thread t =
          new Thread(
              () -> {
                Tensor x = Tensor.empty(DType.FLOAT32, new long[] {1000}, scope);
                x.copyFrom(Tensor.full(5, 1000));
                fromThere[0] = x;
              });
      t.start();
      t.join();
      assertSame(scope, fromThere[0].view().storage().owner());
      assertEquals(5000.0, fromThere[0].sum().item(), 0);
    }
    assertEquals(base, Memory.collect());
  }

  @Test
  void threadsWithScopesOfTheirOwnSeeTheirOwnValuesAndTheCountReturnsToItsBase() throws Exception {
    long base = Memory.collect();
    int threads = 4;
    var start = new CountDownLatch(1);
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> ts = new ArrayList<>();
    for (int k = 0; k < threads; k++) {
      int id = k;
      Thread t =
          new Thread(
              () -> {
                try {
                  start.await();
                  for (int round = 0; round < 50; round++) {
                    try (var scope = MemoryScope.open()) {
                      List<Tensor> made = new ArrayList<>();
                      for (int i = 0; i < 100; i++) {
                        made.add(Tensor.full(id * 100_000 + round * 100 + i, 500));
                      }
                      for (int i = 0; i < made.size(); i++) {
                        float want = id * 100_000 + round * 100 + i;
                        float[] got = made.get(i).toFloatArray();
                        if (got[0] != want || got[499] != want) {
                          throw new AssertionError(
                              "thread " + id + " round " + round + " tensor " + i + ": " + got[0]);
                        }
                      }
                    }
                  }
                } catch (Throwable e) {
                  failures.add(e);
                }
              });
      t.start();
      ts.add(t);
    }
    start.countDown();
    for (Thread t : ts) {
      t.join();
    }
    assertEquals(List.of(), failures);
    assertEquals(base, Memory.bytesInUse());
  }

  @Test
  void tensorsOfAScopeSaveAndLoadThroughAFile() throws Exception {
    long base = Memory.collect();
    Path file = dir.resolve("small.arrow");
    try (var scope = MemoryScope.open()) {
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      tensors.put("w", Tensor.arange(12).reshape(3, 4));
      tensors.put("wT", tensors.get("w").transpose());
      tensors.put("ints", Tensor.ofInts(new int[] {1, 2, 3}, 3));
      TensorFile.save(file, tensors);
      var loaded = TensorFile.load(file);
      assertEquals(tensors.keySet(), loaded.keySet());
      for (var e : tensors.entrySet()) {
        assertEquals(e.getValue().toString(), loaded.get(e.getKey()).toString(), e.getKey());
      }
      assertSame(scope, loaded.get("w").view().storage().owner());
    }
    assertEquals(base, Memory.bytesInUse());
  }
}
