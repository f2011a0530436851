package dev.quiver.runtime.backend.cpu;

import java.lang.foreign.MemorySegment;

/**
 * The B of many products, packed once into {@link Sgemm}'s micro-panel layout (every slice of the
 * inner dimension, all columns): a recurrent layer multiplies its state by the same {@code W_hhᵀ}
 * at every step, and {@link Sgemm#sgemm} would pack that whole matrix again for each step's few
 * rows. {@link #multiply} then packs only A, on the calling thread, so that callers can run
 * independent rows on different threads against one shared packed B.
 */
final class PackedGemm {
  private final int k;
  private final int n;
  private final int kcStep;
  private final int slices;
  private final int sliceFloats;
  private final float[] packed;

  private PackedGemm(int k, int n) {
    this.k = k;
    this.n = n;
    this.slices = Sgemm.ceilDiv(k, Sgemm.KC);
    this.kcStep = Sgemm.ceilDiv(k, slices);
    this.sliceFloats = Sgemm.ceilDiv(n, Sgemm.NR) * kcStep * Sgemm.NR;
    this.packed = new float[slices * sliceFloats];
  }

  /**
   * Packs the float32 matrix B [k, n] whose element (p, j) is at element {@code base + p·rs + j·cs}
   * of {@code b}: a transposed view ({@code rs = 1}) packs as well as a row-major one.
   */
  static PackedGemm of(MemorySegment b, long base, long rs, long cs, int k, int n) {
    if (k < 1 || n < 1) {
      throw new IllegalArgumentException(
          "PackedGemm: B must have at least one row and column, got " + k + "x" + n);
    }
    Sgemm.checkView("PackedGemm", "B", b, base, k, n, rs, cs, Float.BYTES);
    var p = new PackedGemm(k, n);
    Sgemm.Buffers buf = Sgemm.BUFFERS.get();
    int panels = Sgemm.ceilDiv(n, Sgemm.NR);
    for (int s = 0; s < p.slices; s++) {
      int pc = s * p.kcStep;
      int kc = Math.min(p.kcStep, k - pc);
      Sgemm.packB(b, base + pc * rs, rs, cs, kc, n, p.packed, s * p.sliceFloats, 0, panels, buf);
    }
    return p;
  }

  /**
   * C [m, n] = A [m, k]·B, or C += A·B when {@code accumulate}, on the calling thread. A's element
   * (i, p) is at {@code aOff + i·ars + p·acs}; C is row-major with row stride {@code ldc} and must
   * not overlap A.
   */
  void multiply(
      int m,
      MemorySegment a,
      long aOff,
      long ars,
      long acs,
      MemorySegment c,
      long cOff,
      long ldc,
      boolean accumulate) {
    if (m == 0) {
      return;
    }
    Sgemm.checkView("PackedGemm", "A", a, aOff, m, k, ars, acs, Float.BYTES);
    Sgemm.checkView("PackedGemm", "C", c, cOff, m, n, ldc, 1, Float.BYTES);
    Sgemm.Buffers buf = Sgemm.BUFFERS.get();
    for (int ic = 0; ic < m; ic += Sgemm.MC) {
      int mc = Math.min(Sgemm.MC, m - ic);
      for (int s = 0; s < slices; s++) {
        int pc = s * kcStep;
        int kc = Math.min(kcStep, k - pc);
        float[] ap = buf.a(Sgemm.roundUp(mc, Sgemm.MR) * kc);
        Sgemm.packA(a, aOff + ic * ars + pc * acs, ars, acs, mc, kc, ap, buf);
        Sgemm.macroKernel(
            kc,
            mc,
            n,
            ap,
            packed,
            s * sliceFloats,
            c,
            cOff + ic * ldc,
            ldc,
            accumulate || s > 0,
            buf.tile);
      }
    }
  }
}
