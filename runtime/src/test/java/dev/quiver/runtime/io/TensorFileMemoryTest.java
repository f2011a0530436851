package dev.quiver.runtime.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.memory.Memory;
import dev.quiver.runtime.memory.MemoryScope;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The allocator's accounting returns to its baseline: Arrow staging memory never outlives a call.
 */
class TensorFileMemoryTest {
  @TempDir Path dir;
  private final Map<String, Tensor> tensors = new LinkedHashMap<>();

  @BeforeEach
  void tensors() {
    tensors.put("w", Tensor.randn(256, 512));
    tensors.put(
        "wT", tensors.get("w").transpose()); // saving it makes (and must free) a contiguous copy
    tensors.put("b", Tensor.zeros(DType.FLOAT64, 512));
    tensors.put("labels", Tensor.ofInts(new int[1000], 10, 100));
    tensors.put("none", Tensor.zeros(0, 3));
    tensors.put("scalar", Tensor.scalar(3));
  }

  @Test
  void saveReturnsToBaseline() throws IOException {
    long before = Memory.collect();
    TensorFile.save(dir.resolve("m.arrow"), tensors);
    assertEquals(before, Memory.bytesInUse(), "bytes in use right after save");
  }

  @Test
  void loadHoldsOnlyTheLoadedTensors() throws IOException {
    Path file = dir.resolve("m.arrow");
    TensorFile.save(file, tensors);
    long before = Memory.collect();

    var loaded = TensorFile.load(file);
    long afterLoad = Memory.bytesInUse();
    // What the same tensors cost when made directly: independent of the allocator's rounding.
    var same = new ArrayList<Tensor>();
    loaded.values().forEach(t -> same.add(Tensor.empty(t.dtype(), t.shape())));
    long ownBytes = Memory.bytesInUse() - afterLoad;
    assertEquals(
        before + ownBytes, afterLoad, "after load: the tensors' own bytes and nothing more");

    same.clear();
    loaded = null;
    assertEquals(before, Memory.collect(), "after the loaded tensors are unreachable");
  }

  @Test
  void loadInsideAScopeBelongsToTheScope() throws IOException {
    Path file = dir.resolve("m.arrow");
    TensorFile.save(file, tensors);
    long before = Memory.collect();
    try (var scope = MemoryScope.open()) {
      var loaded = TensorFile.load(file);
      assertEquals(tensors.size(), loaded.size());
      assertEquals(tensors.size(), scope.size());
    }
    assertEquals(before, Memory.bytesInUse(), "closing the scope frees them without the GC");
  }
}
