package dev.quiver.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file saved by Quiver, read by another Arrow implementation (Arrow JS, through {@code
 * src/test/js/read_tensors.mjs}): names, extension metadata, storage types and the exact bits of
 * the values must all come through.
 */
// Compares raw host bytes with what the Node reader sees. Not part of the device suite.
@Tag("cpu-only")
class ArrowJsInteropTest {
  @TempDir Path dir;

  private static final Path MODULE =
      Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
  private static final Path SCRIPT = MODULE.resolve("src/test/js/read_tensors.mjs");
  private static final Path ARROW_JS = MODULE.resolve("src/test/js/node_modules/apache-arrow");

  @Test
  void arrowJsReadsNamesShapesTypesAndExactValues() throws Exception {
    requireNodeAndArrowJs();
    var tensors = new LinkedHashMap<String, Tensor>();
    tensors.put(
        "weights",
        Tensor.of(new float[] {1f, -2.5f, 0.1f, -0.0f, Float.NaN, Float.NEGATIVE_INFINITY}, 2, 3));
    tensors.put("labels", Tensor.ofInts(7, 0, -3, Integer.MAX_VALUE));
    tensors.put(
        "cube",
        Tensor.of(
            new double[] {0.1, 1e-300, -2, 3, 4, 5, 6, Math.PI, Double.MAX_VALUE, 9, 10, 11},
            2,
            3,
            2));
    tensors.put("bias", Tensor.scalar(0.5));
    tensors.put("nothing", Tensor.zeros(DType.FLOAT64, 3, 0));
    Path file = dir.resolve("interop.arrow");
    TensorFile.save(file, tensors);

    JsonNode out = runReader(file);

    assertEquals(1, out.get("numRows").asInt());
    assertEquals(1, out.get("batches").asInt());
    List<String> names = new ArrayList<>();
    out.get("columns").forEach(c -> names.add(c.get("name").asText()));
    assertEquals(List.copyOf(tensors.keySet()), names, "column names in save order");

    expect(out, 0, "[2,3]", "FixedSizeList[6]<Float32>", "Float32", tensors.get("weights"));
    expect(out, 1, "[4]", "FixedSizeList[4]<Int32>", "Int32", tensors.get("labels"));
    expect(out, 2, "[2,3,2]", "FixedSizeList[12]<Float64>", "Float64", tensors.get("cube"));
    expect(out, 3, "[]", "FixedSizeList[1]<Float32>", "Float32", tensors.get("bias"));
    expect(out, 4, "[3,0]", "FixedSizeList[0]<Float64>", "Float64", tensors.get("nothing"));
  }

  private static void expect(
      JsonNode out, int index, String shape, String storage, String valueType, Tensor t) {
    JsonNode c = out.get("columns").get(index);
    String name = c.get("name").asText();
    assertEquals("arrow.fixed_shape_tensor", c.get("extensionName").asText(), name);
    assertEquals("{\"shape\":" + shape + "}", c.get("extensionMetadata").asText(), name);
    assertArrayEquals(t.shape(), longs(c.get("shape")), name + " shape");
    assertEquals(storage, c.get("storageType").asText(), name);
    assertEquals(t.numel(), c.get("listSize").asLong(), name);
    assertEquals("item", c.get("valueName").asText(), name);
    assertEquals(valueType, c.get("valueType").asText(), name);

    // The exact bits, little-endian as Arrow stores them.
    byte[] expected =
        t.numel() == 0
            ? new byte[0]
            : t.contiguous()
                .view()
                .hostSegment()
                .asSlice(0, t.numel() * t.dtype().byteSize())
                .toArray(ValueLayout.JAVA_BYTE);
    assertArrayEquals(
        expected, Base64.getDecoder().decode(c.get("bytes").asText()), name + " bytes");

    // And the values as numbers, which is what a JS user works with.
    JsonNode values = c.get("values");
    assertEquals(t.numel(), values.size(), name + " value count");
    for (int i = 0; i < values.size(); i++) {
      JsonNode v = values.get(i);
      switch (t.dtype()) {
        case INT32 -> assertEquals(t.toIntArray()[i], v.asInt(), name + "[" + i + "]");
        case FLOAT32 -> assertEquals(t.toFloatArray()[i], (float) number(v), name + "[" + i + "]");
        case FLOAT64 -> assertEquals(t.toDoubleArray()[i], number(v), name + "[" + i + "]");
      }
    }
  }

  /** JSON numbers, with the reader's spellings of the values JSON lacks. */
  private static double number(JsonNode v) {
    return v.isNumber()
        ? v.doubleValue()
        : switch (v.asText()) {
          case "NaN" -> Double.NaN;
          case "Infinity" -> Double.POSITIVE_INFINITY;
          case "-Infinity" -> Double.NEGATIVE_INFINITY;
          case "-0" -> -0.0;
          default -> throw new AssertionError("not a number: " + v);
        };
  }

  private static long[] longs(JsonNode array) {
    long[] out = new long[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asLong();
    }
    return out;
  }

  private JsonNode runReader(Path file) throws IOException, InterruptedException {
    Path stderr = dir.resolve("stderr.txt");
    var process =
        new ProcessBuilder("node", SCRIPT.toString(), file.toString())
            .redirectError(stderr.toFile())
            .start();
    byte[] stdout = process.getInputStream().readAllBytes();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail("node " + SCRIPT + " did not finish within 60 s");
    }
    if (process.exitValue() != 0) {
      fail(
          "node "
              + SCRIPT
              + " exited with "
              + process.exitValue()
              + ":\n"
              + Files.readString(stderr));
    }
    return new ObjectMapper().readTree(new String(stdout, StandardCharsets.UTF_8));
  }

  /**
   * Skips where Node or Arrow JS is absent, except on CI, where a skipped interop test would hide a
   * gap.
   */
  private static void requireNodeAndArrowJs() {
    String missing = null;
    if (!nodeRuns()) {
      missing = "node (Node.js) is not on the PATH";
    } else if (!Files.isDirectory(ARROW_JS)) {
      missing = "the npm package apache-arrow is not installed in " + ARROW_JS.getParent();
    }
    if (missing == null) {
      return;
    }
    String message = "Arrow JS interop test: " + missing + "; ./quiver test installs it";
    if ("true".equals(System.getenv("CI"))) {
      fail(message);
    }
    Assumptions.assumeTrue(false, message);
  }

  private static boolean nodeRuns() {
    try {
      var p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
