package dev.quiver.runtime.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Placeholder GEMM (naive) until the blocked, packed kernel lands. */
public final class Sgemm {
  private Sgemm() {}

  public static void sgemm(int m, int n, int k,
      MemorySegment a, long aOffset, long aRowStride, long aColStride,
      MemorySegment b, long bOffset, long bRowStride, long bColStride,
      MemorySegment c, long cOffset, long ldc, boolean accumulate) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        float s = accumulate ? c.getAtIndex(ValueLayout.JAVA_FLOAT, cOffset + i * ldc + j) : 0f;
        for (int p = 0; p < k; p++) {
          s += a.getAtIndex(ValueLayout.JAVA_FLOAT, aOffset + i * aRowStride + p * aColStride)
              * b.getAtIndex(ValueLayout.JAVA_FLOAT, bOffset + p * bRowStride + j * bColStride);
        }
        c.setAtIndex(ValueLayout.JAVA_FLOAT, cOffset + i * ldc + j, s);
      }
    }
  }

  public static void dgemm(int m, int n, int k,
      MemorySegment a, long aOffset, long aRowStride, long aColStride,
      MemorySegment b, long bOffset, long bRowStride, long bColStride,
      MemorySegment c, long cOffset, long ldc, boolean accumulate) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = accumulate ? c.getAtIndex(ValueLayout.JAVA_DOUBLE, cOffset + i * ldc + j) : 0;
        for (int p = 0; p < k; p++) {
          s += a.getAtIndex(ValueLayout.JAVA_DOUBLE, aOffset + i * aRowStride + p * aColStride)
              * b.getAtIndex(ValueLayout.JAVA_DOUBLE, bOffset + p * bRowStride + j * bColStride);
        }
        c.setAtIndex(ValueLayout.JAVA_DOUBLE, cOffset + i * ldc + j, s);
      }
    }
  }
}
