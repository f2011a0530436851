package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.dsl.layers.Dense;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.memory.Memory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saved models users download: absurd sizes, damaged weights, missing folders. */
class ModelsUntrustedTest {
  @TempDir Path dir;

  private static void contains(Throwable e, String... parts) {
    for (String part : parts) {
      assertTrue(
          e.getMessage().contains(part), () -> "expected \"" + part + "\" in: " + e.getMessage());
    }
  }

  @Test
  void absurdSizesFailBeforeAllocatingNamingTheShape() throws IOException {
    Sequential.of(Dense.of(2)).input(2).save(dir);
    Files.writeString(
        dir.resolve("model.json"),
        "{\"format\": \"quiver-model\", \"version\": 1, \"input\": [1000000], \"layers\": ["
            + "{\"type\": \"Dense\", \"name\": \"d\", \"units\": 1000000000, \"bias\": true}]}");
    long before = Memory.collect();
    var e = assertThrows(IllegalArgumentException.class, () -> Models.load(dir));
    contains(
        e,
        "Models.load: " + dir.resolve("model.json") + ": building ",
        "initialising weights of: shape [1000000,1000000000] (1000000000000000 elements of"
            + " float32) needs 4000000000000000 bytes",
        "available");
    assertTrue(Memory.collect() <= before, "nothing allocated for the refused model");
  }

  @Test
  void damagedWeightsAreRefusedNamingTheFileAndTheModelIsUntouched() throws IOException {
    var model = Sequential.of(Dense.of(2)).input(3);
    model.save(dir);
    Path weights = dir.resolve(Models.WEIGHTS);
    byte[] bytes = Files.readAllBytes(weights);
    // Flip a bit in a weight's value: the checksum sees it.
    byte[] bad = bytes.clone();
    int at = indexOf(bytes, model.namedParams().values().iterator().next().value());
    bad[at] ^= 1;
    Files.write(weights, bad);
    Tensor before = model.predict(Tensor.ones(1, 3));
    var e = assertThrows(UncheckedIOException.class, () -> Models.loadWeights(model, weights));
    contains(e, weights.toString(), "the file is damaged");
    assertArrayEquals(before.toFloatArray(), model.predict(Tensor.ones(1, 3)).toFloatArray());
  }

  @Test
  void aMissingFolderOrAFolderForAFileIsNamed() throws IOException {
    Path absent = dir.resolve("no-such-model");
    var e = assertThrows(UncheckedIOException.class, () -> Models.load(absent));
    contains(e, absent.resolve("model.json").toString());
    Sequential.of(Dense.of(2)).input(2).save(dir);
    Files.delete(dir.resolve(Models.WEIGHTS));
    Files.createDirectory(dir.resolve(Models.WEIGHTS));
    e = assertThrows(UncheckedIOException.class, () -> Models.load(dir));
    contains(e, dir.resolve(Models.WEIGHTS) + " is a directory");
  }

  /** Where the first float of {@code t} is stored in the file. */
  private static int indexOf(byte[] file, Tensor t) {
    int bits = Float.floatToRawIntBits(t.toFloatArray()[0]);
    for (int i = 0; i + 4 <= file.length; i++) {
      int v =
          (file[i] & 0xff)
              | (file[i + 1] & 0xff) << 8
              | (file[i + 2] & 0xff) << 16
              | (file[i + 3] & 0xff) << 24;
      if (v == bits) {
        return i;
      }
    }
    throw new AssertionError("weight not found in the file");
  }
}
