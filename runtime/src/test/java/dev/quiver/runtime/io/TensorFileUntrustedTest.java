package dev.quiver.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.memory.Memory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files users download and share: damaged, truncated or not files at all. */
class TensorFileUntrustedTest {
  @TempDir Path dir;

  @Test
  void aDirectoryIsNamedAsOne() throws IOException {
    Path folder = Files.createDirectory(dir.resolve("weights.arrow"));
    var e = assertThrows(TensorFileException.class, () -> TensorFile.load(folder));
    assertTrue(e.getMessage().contains(folder + " is a directory"), e.getMessage());
  }

  @Test
  void aMissingFileSaysSoInItsMessage() {
    Path absent = dir.resolve("absent.arrow");
    var e = assertThrows(NoSuchFileException.class, () -> TensorFile.load(absent));
    assertTrue(e.getMessage().contains(absent + ": does not exist"), e.getMessage());
  }

  @Test
  void everyByteFlippedOrTruncatedFileFailsAsATensorFileExceptionNamingItOrLoadsExactly()
      throws IOException {
    var tensors = new LinkedHashMap<String, Tensor>();
    tensors.put("w", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
    tensors.put("b", Tensor.of(new float[] {-1, 0.5f}, 2));
    Path good = dir.resolve("good.arrow");
    TensorFile.save(good, tensors);
    byte[] bytes = Files.readAllBytes(good);
    long before = Memory.collect();
    var random = new SplittableRandom(17);
    int failed = 0;
    for (int i = 0; i < 300; i++) {
      byte[] bad = bytes.clone();
      if (i % 3 == 2) {
        bad = java.util.Arrays.copyOf(bad, random.nextInt(bad.length));
      } else {
        for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
          bad[random.nextInt(bad.length)] ^= (byte) (1 << random.nextInt(8));
        }
      }
      Path file = dir.resolve("bad" + i + ".arrow");
      Files.write(file, bad);
      Map<String, Tensor> loaded;
      try {
        loaded = TensorFile.load(file);
      } catch (TensorFileException e) {
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        failed++;
        continue;
      } catch (Throwable e) {
        throw new AssertionError("try " + i + ": " + file + " failed with " + e, e);
      }
      // What loads is what was saved: damage is detected, never loaded as different values.
      assertEquals(tensors.keySet(), loaded.keySet(), "try " + i);
      for (var t : tensors.entrySet()) {
        Tensor got = loaded.get(t.getKey());
        assertArrayEquals(t.getValue().shape(), got.shape(), "try " + i);
        assertArrayEquals(t.getValue().toFloatArray(), got.toFloatArray(), "try " + i);
      }
    }
    assertTrue(failed > 100, "only " + failed + " of 300 damaged files failed");
    if (Memory.collect() > before) {
      fail("damaged files left " + (Memory.collect() - before) + " bytes of tensor memory behind");
    }
  }
}
