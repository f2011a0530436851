package dev.quiver.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.memory.Memory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Shapes too big to allocate fail before allocating, naming the shape, bytes and what there is. */
class SizeErrorsTest {
  private static String refused(Executable make, String... parts) {
    long before = Memory.collect();
    var e = assertThrows(IllegalArgumentException.class, make);
    for (String part : parts) {
      assertTrue(
          e.getMessage().contains(part), () -> "expected \"" + part + "\" in: " + e.getMessage());
    }
    assertEquals(before, Memory.collect(), "a refused request is not counted");
    return e.getMessage();
  }

  @Test
  void moreBytesThanTheMachineHasNamesShapeBytesAndWhatIsAvailable() {
    // 4 TB of float32: more than any machine these tests run on.
    String m =
        refused(
            () -> Tensor.randn(1_000_000, 1_000_000),
            "randn: shape [1000000,1000000] (1000000000000 elements of",
            "needs 4000000000000 bytes (3.6 TB)",
            "are available",
            "of physical memory",
            "in use by tensors");
    assertTrue(m.contains(Memory.available() + " bytes"), m);
    refused(() -> Tensor.rand(1L << 40), "rand: shape [1099511627776]", "needs 4398046511104");
  }

  /** On another device its backend answers for its memory; on the CPU this check does. */
  @Test
  @Tag("cpu-only")
  void hostTensorsOfEveryFactory() {
    refused(() -> Tensor.zeros(1L << 20, 1L << 20), "zeros: shape [1048576,1048576]", "needs");
    refused(() -> Tensor.ones(DType.FLOAT64, 1L << 20, 1L << 20), "ones: shape [1048576,1048576]");
    refused(() -> Tensor.full(2, 1L << 20, 1L << 20), "full: shape [1048576,1048576]");
    refused(() -> Tensor.empty(DType.FLOAT64, 1L << 40), "empty: shape [1099511627776]", "float64");
  }

  @Test
  void theIssuesRandnFailsClearlyWhereItDoesNotFit() {
    if (40_000_000_000L > Memory.available()) {
      refused(
          () -> Tensor.randn(100000, 100000),
          "randn: shape [100000,100000] (10000000000 elements",
          "needs 40000000000 bytes (37.3 GB)");
    }
  }

  @Test
  void shapesWhoseCountsOverflowALong() {
    refused(
        () -> Tensor.zeros(1L << 40, 1L << 40),
        "zeros: shape [1099511627776,1099511627776] has more elements than a long counts");
    refused(
        () -> Tensor.empty(DType.FLOAT32, 1L << 31, 1L << 31),
        "shape [2147483648,2147483648] has 4611686018427387904 elements, more bytes of");
  }

  @Test
  void emptyShapesWithHugeSidesAreStillEmpty() {
    assertArrayEquals(
        new long[] {0, 1L << 40, 1L << 40}, Tensor.zeros(0, 1L << 40, 1L << 40).shape());
  }

  @Test
  void randomTensorsKeepTheirValues() {
    // Filled in place now rather than through a Java array: the same seed, the same values.
    Tensor t = Tensor.randn(new long[] {3}, 42);
    var r = new java.util.SplittableRandom(42);
    assertArrayEquals(
        new float[] {(float) r.nextGaussian(), (float) r.nextGaussian(), (float) r.nextGaussian()},
        t.toFloatArray());
  }
}
