package dev.quiver.runtime.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * The host-side planning of the CUDA backend, which needs no GPU: layouts, GEMM operand modes, size
 * classes.
 */
class CudaLayoutTest {
  @Test
  void denseOperandsCollapseToOneRun() {
    StridedLayout l =
        StridedLayout.of("t", new long[] {2, 3, 4}, new long[] {12, 4, 1}, new long[] {12, 4, 1});
    assertArrayEquals(new long[] {24}, l.size());
    assertTrue(l.isDense());
  }

  @Test
  void broadcastRowKeepsTwoAxes() {
    // a [4, 3] + b [3] broadcast: b's row axis has stride 0.
    StridedLayout l =
        StridedLayout.of(
            "t", new long[] {4, 3}, new long[] {3, 1}, new long[] {0, 1}, new long[] {3, 1});
    assertArrayEquals(new long[] {4, 3}, l.size());
    assertArrayEquals(new long[] {0, 1}, l.strides()[1]);
    assertTrue(!l.isDense());
  }

  @Test
  void sizeOneAxesAreDroppedAndTransposesStay() {
    StridedLayout l = StridedLayout.of("t", new long[] {1, 5, 1, 7}, new long[] {35, 1, 1, 5});
    assertArrayEquals(new long[] {5, 7}, l.size());
    assertArrayEquals(new long[] {1, 5}, l.strides()[0]);
    StridedLayout scalar = StridedLayout.of("t", new long[] {}, new long[] {});
    assertArrayEquals(new long[] {1}, scalar.size());
  }

  @Test
  void tooManyAxesFailClearly() {
    long[] shape = new long[9];
    long[] strides = new long[9];
    for (int i = 0; i < 9; i++) {
      shape[i] = 2;
      strides[i] = 1L << (2 * (8 - i)); // gaps everywhere: nothing merges
    }
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> StridedLayout.of("add", shape, strides));
    assertTrue(
        e.getMessage().contains("add") && e.getMessage().contains("at most 8"), e.getMessage());
  }

  @Test
  void encodingMatchesTheStruct() {
    StridedLayout l =
        StridedLayout.of("t", new long[] {4, 3}, new long[] {3, 1}, new long[] {0, 1});
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s = a.allocate(StridedLayout.byteSize(2), 8);
      l.encode(s);
      assertEquals(2, s.get(ValueLayout.JAVA_INT, 0));
      assertEquals(4, s.get(ValueLayout.JAVA_LONG, 8));
      assertEquals(3, s.get(ValueLayout.JAVA_LONG, 16));
      assertEquals(1, s.get(ValueLayout.JAVA_LONG, 24), "unused sizes are 1");
      long b = 8 + 64 + 64; // second operand's strides
      assertEquals(0, s.get(ValueLayout.JAVA_LONG, b));
      assertEquals(1, s.get(ValueLayout.JAVA_LONG, b + 8));
    }
  }

  @Test
  void gemmOperandModes() {
    // Row-major [m=3, k=5]: op N with ld 5.
    var rowMajor = CudaMatmul.operandLayout(new long[] {3, 5}, new long[] {5, 1}, 3, 5);
    assertEquals("Operand[op=0, ld=5, batchStride=0]", rowMajor.toString());
    // A transposed view of a [5, 3] matrix: column-major, op T with ld 3.
    var transposed = CudaMatmul.operandLayout(new long[] {3, 5}, new long[] {1, 3}, 3, 5);
    assertEquals("Operand[op=1, ld=3, batchStride=0]", transposed.toString());
    // A column slice with gaps on both axes: neither.
    assertNull(CudaMatmul.operandLayout(new long[] {3, 5}, new long[] {10, 2}, 3, 5));
    // Batched [2, 3, 5] dense: batch stride 15; broadcast batch: stride 0.
    assertEquals(
        15L,
        CudaMatmul.operandLayout(new long[] {2, 3, 5}, new long[] {15, 5, 1}, 3, 5).batchStride());
    assertEquals(
        0L,
        CudaMatmul.operandLayout(new long[] {2, 3, 5}, new long[] {0, 5, 1}, 3, 5).batchStride());
  }

  @Test
  void batchAxesCollapseOnlyWhenTheyStepUniformly() {
    assertEquals(15L, CudaMatmul.batchStride(new long[] {2, 4, 3, 5}, new long[] {60, 15, 5, 1}));
    assertEquals(0L, CudaMatmul.batchStride(new long[] {2, 4, 3, 5}, new long[] {0, 0, 5, 1}));
    assertNull(CudaMatmul.batchStride(new long[] {2, 4, 3, 5}, new long[] {0, 15, 5, 1}));
    assertEquals(15L, CudaMatmul.batchStride(new long[] {1, 4, 3, 5}, new long[] {999, 15, 5, 1}));
  }

  @Test
  void sizeClassesWasteAtMostAQuarter() {
    assertEquals(512, CudaAllocator.sizeClass(1));
    assertEquals(512, CudaAllocator.sizeClass(512));
    assertEquals(640, CudaAllocator.sizeClass(513));
    assertEquals(1536, CudaAllocator.sizeClass(1500));
    assertEquals(18L << 20, CudaAllocator.sizeClass((16L << 20) + 1));
    for (long b = 1; b < (64L << 20); b = b * 3 + 7) {
      long c = CudaAllocator.sizeClass(b);
      assertTrue(c >= b && (c <= 512 || c <= b * 1.25 + (2 << 20)), b + " -> " + c);
    }
  }
}
