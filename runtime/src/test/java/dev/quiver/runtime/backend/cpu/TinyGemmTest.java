package dev.quiver.runtime.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

// The scalar loop for the tiniest products against Sgemm's vector loop: the same bits, for every
// shape class (rows and columns around the 4 × 4 block and a vector's width), operand layout
// (row-major, transposed, padded rows) and accumulate or not. Not part of the device suite.
@Tag("cpu-only")
class TinyGemmTest {
  private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

  @Test
  void tinyProductsAreTheVectorLoopsBits() {
    SplittableRandom rnd = new SplittableRandom(7);
    int cases = 0;
    try (Arena arena = Arena.ofConfined()) {
      for (int m = 1; m <= 17; m++) {
        for (int n = 1; n <= 19; n++) {
          for (int k : new int[] {1, 2, 3, 4, 5, 8, 10, 16}) {
            if ((long) m * n * k > TinyGemm.MAX_WORK) {
              continue;
            }
            for (int layout = 0; layout < 5; layout++) {
              boolean accumulate = layout == 3;
              check(arena, rnd, m, n, k, layout, accumulate);
              cases++;
            }
          }
        }
      }
    }
    assertTrue(cases > 2000, "cases " + cases);
  }

  /**
   * Layout 0: A and B row-major; 1: A transposed (column-major view); 2: B transposed, C with
   * padded rows; 3: padded rows everywhere, C accumulated into; 4: A's rows far apart (a few
   * columns of a wide matrix: wider than the staging array).
   */
  private static void check(
      Arena arena, SplittableRandom rnd, int m, int n, int k, int layout, boolean accumulate) {
    int pad = layout >= 2 ? 3 : 0;
    long ars = layout == 1 ? 1 : layout == 4 ? 5000 : k + pad;
    long acs = layout == 1 ? m : 1;
    long brs = layout == 2 ? 1 : n + pad;
    long bcs = layout == 2 ? k : 1;
    long ldc = n + pad;
    long aOff = 2;
    long bOff = 5;
    long cOff = 1;
    MemorySegment a = random(arena, rnd, aOff + (m - 1) * ars + (k - 1) * acs + 1);
    MemorySegment b = random(arena, rnd, bOff + (long) (k + 1) * (n + 1) * 2);
    MemorySegment c1 = random(arena, rnd, cOff + m * ldc);
    MemorySegment c2 = arena.allocate(c1.byteSize());
    c2.copyFrom(c1);
    TinyGemm.run(m, n, k, a, aOff, ars, acs, b, bOff, brs, bcs, c1, cOff, ldc, accumulate);
    Sgemm.direct(m, n, k, a, aOff, ars, acs, b, bOff, brs, bcs, c2, cOff, ldc, accumulate);
    for (long i = 0; i < c1.byteSize() / 4; i++) {
      float x = c1.getAtIndex(F, i);
      float y = c2.getAtIndex(F, i);
      int at = (int) i;
      assertEquals(
          Float.floatToRawIntBits(y),
          Float.floatToRawIntBits(x),
          () ->
              "m="
                  + m
                  + " n="
                  + n
                  + " k="
                  + k
                  + " layout="
                  + layout
                  + " element "
                  + at
                  + ": "
                  + x
                  + " vs the vector loop's "
                  + y);
    }
  }

  private static MemorySegment random(Arena arena, SplittableRandom rnd, long floats) {
    MemorySegment s = arena.allocate(floats * 4);
    for (long i = 0; i < floats; i++) {
      s.setAtIndex(F, i, (float) (rnd.nextDouble() * 4 - 2));
    }
    return s;
  }
}
