package dev.quiver.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TensorFileRoundTripTest {
  @TempDir Path dir;

  private static final long[][] SHAPES = {
    {}, {5}, {2, 3}, {2, 3, 4}, {2, 1, 3, 2}, {0}, {2, 0, 3}, {1}
  };

  @ParameterizedTest
  @EnumSource(DType.class)
  void everyRankAndEmptyShapesRoundTrip(DType dtype) throws IOException {
    var saved = new LinkedHashMap<String, Tensor>();
    for (long[] shape : SHAPES) {
      saved.put(
          dtype + "_" + shape.length + "d_" + java.util.Arrays.toString(shape),
          random(dtype, shape, shape.length));
    }
    Path file = dir.resolve("t.arrow");
    TensorFile.save(file, saved);
    var loaded = TensorFile.load(file);

    assertEquals(
        List.copyOf(saved.keySet()), List.copyOf(loaded.keySet()), "names in column order");
    for (var e : saved.entrySet()) {
      assertSameTensor(e.getKey(), e.getValue(), loaded.get(e.getKey()));
    }
  }

  @Test
  void specialFloatValuesKeepTheirBits() throws IOException {
    float[] f = {
      Float.NaN,
      Float.intBitsToFloat(0x7fc0_1234),
      -0.0f,
      0.0f,
      Float.POSITIVE_INFINITY,
      Float.NEGATIVE_INFINITY,
      Float.MIN_VALUE,
      Float.MAX_VALUE,
      -Float.MIN_NORMAL
    };
    double[] d = {
      Double.NaN,
      Double.longBitsToDouble(0x7ff8_0000_dead_beefL),
      -0.0,
      Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY,
      Double.MIN_VALUE,
      -Double.MAX_VALUE
    };
    int[] i = {Integer.MIN_VALUE, -1, 0, 1, Integer.MAX_VALUE};
    var loaded =
        roundTrip(Map.of("f", Tensor.of(f, 3, 3), "d", Tensor.of(d), "i", Tensor.ofInts(i)));

    assertArrayEquals(floatBits(f), floatBits(loaded.get("f").toFloatArray()));
    assertArrayEquals(doubleBits(d), doubleBits(loaded.get("d").toDoubleArray()));
    assertArrayEquals(i, loaded.get("i").toIntArray());
  }

  @Test
  void transposedViewIsSavedRowMajorInItsLogicalOrder() throws IOException {
    Tensor base = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    Tensor view = base.transpose(); // [3,2], strides [1,3]
    assertFalse(view.isContiguous());

    Tensor back = roundTrip(Map.of("t", view)).get("t");
    assertArrayEquals(new long[] {3, 2}, back.shape());
    assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, back.toFloatArray());
  }

  @Test
  void slicedAndBroadcastViewsSaveOnlyTheirElements() throws IOException {
    Tensor base = Tensor.arange(12).reshape(3, 4);
    Tensor rows = base.slice(0, 1, 3); // contiguous, but starts at an offset
    Tensor cols = base.slice(1, 1, 4, 2); // strided
    Tensor wide = Tensor.of(new float[] {7, 8}, 2, 1).expand(2, 3); // stride 0

    var loaded = roundTrip(Map.of("rows", rows, "cols", cols, "wide", wide));
    assertArrayEquals(new float[] {4, 5, 6, 7, 8, 9, 10, 11}, loaded.get("rows").toFloatArray());
    assertArrayEquals(new float[] {1, 3, 5, 7, 9, 11}, loaded.get("cols").toFloatArray());
    assertArrayEquals(new float[] {7, 7, 7, 8, 8, 8}, loaded.get("wide").toFloatArray());
    assertArrayEquals(new long[] {2, 3}, loaded.get("wide").shape());
  }

  @Test
  void largeTensorRoundTrips() throws IOException {
    Tensor big = Tensor.randn(new long[] {1000, 1000}, 7);
    Tensor back = roundTrip(Map.of("big", big)).get("big");
    assertArrayEquals(floatBits(big.toFloatArray()), floatBits(back.toFloatArray()));
    // Arrow Java always writes a validity bitmap (1 bit per value), plus a few hundred bytes of
    // schema and footer.
    long values = 1_000_000 * 4L;
    long bitmap = 1_000_000 / 8;
    assertEquals(
        values + bitmap, Files.size(dir.resolve("rt.arrow")), 4096, "no bloat beyond the values");
  }

  @Test
  void streamsCarryTheSameBytesAsFiles() throws IOException {
    var tensors = new LinkedHashMap<String, Tensor>();
    tensors.put("b", Tensor.of(new double[] {1.5, -2}, 2, 1));
    tensors.put("a", Tensor.ofInts(3, 4, 5));
    var bytes = new ByteArrayOutputStream();
    TensorFile.write(bytes, tensors);
    Path file = dir.resolve("s.arrow");
    TensorFile.save(file, tensors);
    assertArrayEquals(Files.readAllBytes(file), bytes.toByteArray());

    var loaded = TensorFile.read(new ByteArrayInputStream(bytes.toByteArray()));
    assertEquals(List.of("b", "a"), List.copyOf(loaded.keySet()));
    assertSameTensor("b", tensors.get("b"), loaded.get("b"));
    assertSameTensor("a", tensors.get("a"), loaded.get("a"));
  }

  @Test
  void noTensorsIsAValidFile() throws IOException {
    assertEquals(Map.of(), roundTrip(Map.of()));
  }

  @Test
  void saveReplacesAnExistingFile() throws IOException {
    Path file = dir.resolve("w.arrow");
    TensorFile.save(file, Map.of("old", Tensor.of(1f, 2f)));
    TensorFile.save(file, Map.of("new", Tensor.ofInts(3)));
    var loaded = TensorFile.load(file);
    assertEquals(List.of("new"), List.copyOf(loaded.keySet()));
    assertEquals(List.of(file), TestFiles.list(dir), "no temporary files remain");
  }

  private Map<String, Tensor> roundTrip(Map<String, Tensor> tensors) throws IOException {
    Path file = dir.resolve("rt.arrow");
    TensorFile.save(file, tensors);
    return TensorFile.load(file);
  }

  static void assertSameTensor(String name, Tensor expected, Tensor actual) {
    assertEquals(expected.dtype(), actual.dtype(), name + " dtype");
    assertArrayEquals(expected.shape(), actual.shape(), name + " shape");
    if (expected.numel() == 0) {
      return; // nothing to compare, and Tensor.toFloatArray() cannot yet read out a shape like
      // [2,0,3]
    }
    switch (expected.dtype()) {
      case FLOAT32 ->
          assertArrayEquals(
              floatBits(expected.toFloatArray()), floatBits(actual.toFloatArray()), name);
      case FLOAT64 ->
          assertArrayEquals(
              doubleBits(expected.toDoubleArray()), doubleBits(actual.toDoubleArray()), name);
      case INT32 -> assertArrayEquals(expected.toIntArray(), actual.toIntArray(), name);
    }
  }

  static Tensor random(DType dtype, long[] shape, long seed) {
    int n = Math.toIntExact(java.util.Arrays.stream(shape).reduce(1, Math::multiplyExact));
    var r = new SplittableRandom(seed);
    return switch (dtype) {
      case FLOAT32 -> Tensor.of(floats(r, n), shape);
      case FLOAT64 -> Tensor.of(r.doubles(n, -1e6, 1e6).toArray(), shape);
      case INT32 -> Tensor.ofInts(r.ints(n).toArray(), shape);
    };
  }

  private static float[] floats(SplittableRandom r, int n) {
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = (float) r.nextGaussian();
    }
    return f;
  }

  static int[] floatBits(float[] f) {
    int[] bits = new int[f.length];
    for (int i = 0; i < f.length; i++) {
      bits[i] = Float.floatToRawIntBits(f[i]);
    }
    return bits;
  }

  static long[] doubleBits(double[] d) {
    long[] bits = new long[d.length];
    for (int i = 0; i < d.length; i++) {
      bits[i] = Double.doubleToRawLongBits(d[i]);
    }
    return bits;
  }
}
