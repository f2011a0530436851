package dev.quiver.runtime.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix multiply on native memory, in the GotoBLAS/BLIS layout: C is computed in blocks of {@code
 * mc × nc} rows and columns, the inner dimension in slices of {@code kc}; each slice of A and of B
 * is first copied ("packed") into a contiguous {@code float[]} in the exact order the micro-kernel
 * reads it. Packing is where arbitrary strides (transposed or sliced views) are absorbed, and it
 * lets the micro-kernel run from L1/L2 with unit-stride, bounds-check-free loads.
 *
 * <p>The micro-kernel keeps a {@value #MR} × (2 vectors) tile of C in eight vector registers and
 * does two loads of B and {@value #MR} broadcasts of A per step of k, feeding eight independent
 * FMAs (see {@link #microKernel} for why eight).
 *
 * <p>Products up to {@link #DIRECT_MAX_WORK} multiply-adds (tiny MLPs) take a direct loop with no
 * packing and no threads; from {@link #PARALLEL_MIN_WORK} on, blocks of C are spread over {@link
 * Parallel} (rows of C, or columns when C has few rows). Memory of a confined arena is only touched
 * by the calling thread.
 *
 * <p>C must not overlap A or B.
 */
public final class Sgemm {

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();

  /** Rows of the register tile. */
  static final int MR = 4;

  /** Columns of the register tile: two vectors. */
  static final int NR = 2 * L;

  /**
   * Inner-dimension slice: a B micro-panel ({@code KC × NR} floats, 16 KiB on AVX2) stays in L1.
   */
  static final int KC = 256;

  /** Largest row block: an A block ({@code MC × KC}, 144 KiB) stays in L2. A multiple of MR. */
  static final int MC = 144;

  /** Largest column block: the packed B slice ({@code KC × NC}, 2 MiB) stays in L3. */
  private static final int NC = 2048;

  /**
   * Most floats of B packed at once: 8 MiB, well inside L3, and a bound on the buffer a thread
   * keeps.
   */
  private static final int B_PACK_MAX = 2 << 20;

  /** Up to this many multiply-adds the direct loop beats packing (measured: about 32·32·32). */
  private static final long DIRECT_MAX_WORK = 32L * 32 * 24;

  /**
   * From this many multiply-adds on (about 10 µs on one core) a second thread pays off; the
   * hand-off itself costs about 1 µs.
   */
  static final long PARALLEL_MIN_WORK = 96L * 96 * 96;

  private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
  private static final String OP = "matmul";

  private Sgemm() {}

  /** Per-thread packing buffers, grown on demand and kept for the next call. */
  static final class Buffers {
    float[] a = new float[0];
    float[] b = new float[0];

    /** Contiguous runs copied out of a segment in bulk, before they are rearranged. */
    float[] stage = new float[0];

    float[] row = new float[0];
    final float[] tile = new float[MR * NR];

    float[] a(int size) {
      return a.length >= size ? a : (a = new float[size]);
    }

    float[] b(int size) {
      return b.length >= size ? b : (b = new float[size]);
    }

    float[] stage(int size) {
      return stage.length >= size ? stage : (stage = new float[size]);
    }

    float[] row(int size) {
      return row.length >= size ? row : (row = new float[size]);
    }
  }

  static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

  /**
   * C = A·B (or C += A·B when accumulate). A is m×k, B is k×n, addressed by element offset and
   * element strides, so transposed and sliced views need no copy; C is row-major with row stride
   * ldc.
   */
  public static void sgemm(
      int m,
      int n,
      int k,
      MemorySegment a,
      long aOffset,
      long aRowStride,
      long aColStride,
      MemorySegment b,
      long bOffset,
      long bRowStride,
      long bColStride,
      MemorySegment c,
      long cOffset,
      long ldc,
      boolean accumulate) {
    checkShape("sgemm", m, n, k, ldc);
    checkView("sgemm", "A", a, aOffset, m, k, aRowStride, aColStride, Float.BYTES);
    checkView("sgemm", "B", b, bOffset, k, n, bRowStride, bColStride, Float.BYTES);
    checkView("sgemm", "C", c, cOffset, m, n, ldc, 1, Float.BYTES);
    run(
        m,
        n,
        k,
        a,
        aOffset,
        aRowStride,
        aColStride,
        b,
        bOffset,
        bRowStride,
        bColStride,
        c,
        cOffset,
        ldc,
        accumulate,
        shareable(a, b, c));
  }

  private static boolean shareable(MemorySegment a, MemorySegment b, MemorySegment c) {
    return Parallel.workersCanAccess(a)
        && Parallel.workersCanAccess(b)
        && Parallel.workersCanAccess(c);
  }

  /**
   * {@code batch} independent products, matrix {@code i} at offsets {@code aOffset +
   * i·aBatchStride} (likewise B and C; a batch stride of 0 shares one matrix, e.g. the same weights
   * for every sample). Small matrices are spread over threads one whole product each; large ones
   * are done one after another, each parallel inside.
   */
  public static void sgemmBatched(
      int batch,
      int m,
      int n,
      int k,
      MemorySegment a,
      long aOffset,
      long aBatchStride,
      long aRowStride,
      long aColStride,
      MemorySegment b,
      long bOffset,
      long bBatchStride,
      long bRowStride,
      long bColStride,
      MemorySegment c,
      long cOffset,
      long cBatchStride,
      long ldc,
      boolean accumulate) {
    if (batch < 0) {
      throw new IllegalArgumentException("sgemmBatched: batch must be >= 0, got " + batch);
    }
    checkShape("sgemmBatched", m, n, k, ldc);
    if (batch == 0) {
      return;
    }
    checkView("sgemmBatched", "A", a, aOffset, batch, m, k, aBatchStride, aRowStride, aColStride);
    checkView("sgemmBatched", "B", b, bOffset, batch, k, n, bBatchStride, bRowStride, bColStride);
    checkView("sgemmBatched", "C", c, cOffset, batch, m, n, cBatchStride, ldc, 1);
    long work = (long) m * n * k;
    boolean threads = shareable(a, b, c);
    boolean spreadBatch = threads && work < PARALLEL_MIN_WORK && work * batch >= PARALLEL_MIN_WORK;
    if (!spreadBatch) {
      for (int i = 0; i < batch; i++) {
        Parallel.checkInterrupt(OP);
        run(
            m,
            n,
            k,
            a,
            aOffset + i * aBatchStride,
            aRowStride,
            aColStride,
            b,
            bOffset + i * bBatchStride,
            bRowStride,
            bColStride,
            c,
            cOffset + i * cBatchStride,
            ldc,
            accumulate,
            threads);
      }
      return;
    }
    // Chunks of at least ~64k multiply-adds (a few µs) amortize the hand-off of each chunk.
    long grain = Math.max(1, (64L * 64 * 16) / Math.max(1, work));
    Parallel.parallelFor(
        OP,
        0,
        batch,
        grain,
        (from, to) -> {
          Parallel.checkInterrupt(OP);
          for (long i = from; i < to; i++) {
            run(
                m,
                n,
                k,
                a,
                aOffset + i * aBatchStride,
                aRowStride,
                aColStride,
                b,
                bOffset + i * bBatchStride,
                bRowStride,
                bColStride,
                c,
                cOffset + i * cBatchStride,
                ldc,
                accumulate,
                false);
          }
        });
  }

  private static void run(
      int m,
      int n,
      int k,
      MemorySegment a,
      long aOff,
      long ars,
      long acs,
      MemorySegment b,
      long bOff,
      long brs,
      long bcs,
      MemorySegment c,
      long cOff,
      long ldc,
      boolean accumulate,
      boolean mayThread) {
    if (m == 0 || n == 0) {
      return;
    }
    if (k == 0) {
      if (!accumulate) {
        for (int i = 0; i < m; i++) {
          c.asSlice((cOff + i * ldc) * Float.BYTES, (long) n * Float.BYTES).fill((byte) 0);
        }
      }
      return;
    }
    long work = (long) m * n * k;
    if (TinyGemm.takes(work)) {
      TinyGemm.run(m, n, k, a, aOff, ars, acs, b, bOff, brs, bcs, c, cOff, ldc, accumulate);
    } else if (work <= DIRECT_MAX_WORK) {
      direct(m, n, k, a, aOff, ars, acs, b, bOff, brs, bcs, c, cOff, ldc, accumulate);
    } else {
      boolean parallel = mayThread && work >= PARALLEL_MIN_WORK && Parallel.threads() > 1;
      blocked(m, n, k, a, aOff, ars, acs, b, bOff, brs, bcs, c, cOff, ldc, accumulate, parallel);
    }
  }

  /**
   * For tiny products: copy A and B into plain arrays (bulk copies where rows or columns are
   * contiguous; B's rows padded with zeros to whole vectors), then compute four rows of C at a
   * time, one vector of columns each, so that four independent FMA chains share each load of B.
   * Reading elements one by one through the segment would cost a bounds and liveness check each,
   * several times the FMA itself.
   */
  static void direct(
      int m,
      int n,
      int k,
      MemorySegment a,
      long aOff,
      long ars,
      long acs,
      MemorySegment b,
      long bOff,
      long brs,
      long bcs,
      MemorySegment c,
      long cOff,
      long ldc,
      boolean accumulate) {
    Buffers buf = BUFFERS.get();
    int nPad = ceilDiv(n, L) * L;
    float[] as = buf.a(m * k);
    float[] bs = buf.b(k * nPad);
    gather(a, aOff, ars, acs, m, k, as, k, buf);
    if (nPad != n) {
      Arrays.fill(bs, 0, k * nPad, 0f);
    }
    gather(b, bOff, brs, bcs, k, n, bs, nPad, buf);
    float[] rows = buf.row(4 * nPad);
    for (int i = 0; i < m; i += 4) {
      int mr = Math.min(4, m - i);
      int a0 = i * k;
      for (int j = 0; j < nPad; j += L) {
        if (mr == 4) {
          FloatVector r0 = FloatVector.zero(F), r1 = FloatVector.zero(F);
          FloatVector r2 = FloatVector.zero(F), r3 = FloatVector.zero(F);
          for (int p = 0; p < k; p++) {
            FloatVector bv = FloatVector.fromArray(F, bs, p * nPad + j);
            r0 = FloatVector.broadcast(F, as[a0 + p]).fma(bv, r0);
            r1 = FloatVector.broadcast(F, as[a0 + k + p]).fma(bv, r1);
            r2 = FloatVector.broadcast(F, as[a0 + 2 * k + p]).fma(bv, r2);
            r3 = FloatVector.broadcast(F, as[a0 + 3 * k + p]).fma(bv, r3);
          }
          r0.intoArray(rows, j);
          r1.intoArray(rows, nPad + j);
          r2.intoArray(rows, 2 * nPad + j);
          r3.intoArray(rows, 3 * nPad + j);
        } else {
          for (int r = 0; r < mr; r++) {
            FloatVector acc = FloatVector.zero(F);
            for (int p = 0, ai = a0 + r * k; p < k; p++) {
              acc =
                  FloatVector.broadcast(F, as[ai + p])
                      .fma(FloatVector.fromArray(F, bs, p * nPad + j), acc);
            }
            acc.intoArray(rows, r * nPad + j);
          }
        }
      }
      for (int r = 0; r < mr; r++) {
        long cRow = (cOff + (i + r) * ldc) * Float.BYTES;
        if (accumulate) {
          for (int j = 0; j < n; j++) {
            long at = cRow + (long) j * Float.BYTES;
            c.set(FLOAT, at, c.get(FLOAT, at) + rows[r * nPad + j]);
          }
        } else {
          MemorySegment.copy(rows, r * nPad, c, FLOAT, cRow, n);
        }
      }
    }
  }

  /**
   * Copies the strided {@code rows × cols} view at element {@code base} into {@code dst}, row-major
   * with row stride {@code ld}.
   */
  private static void gather(
      MemorySegment src,
      long base,
      long rs,
      long cs,
      int rows,
      int cols,
      float[] dst,
      int ld,
      Buffers buf) {
    if (cs == 1) {
      for (int r = 0; r < rows; r++) {
        MemorySegment.copy(src, FLOAT, (base + r * rs) * Float.BYTES, dst, r * ld, cols);
      }
    } else if (rs == 1) {
      float[] stage = buf.stage(rows * cols);
      for (int j = 0; j < cols; j++) {
        MemorySegment.copy(src, FLOAT, (base + j * cs) * Float.BYTES, stage, j * rows, rows);
      }
      for (int r = 0; r < rows; r++) {
        for (int j = 0; j < cols; j++) {
          dst[r * ld + j] = stage[j * rows + r];
        }
      }
    } else {
      for (int r = 0; r < rows; r++) {
        for (int j = 0; j < cols; j++) {
          dst[r * ld + j] = src.get(FLOAT, (base + r * rs + j * cs) * Float.BYTES);
        }
      }
    }
  }

  private static void blocked(
      int m,
      int n,
      int k,
      MemorySegment a,
      long aOff,
      long ars,
      long acs,
      MemorySegment b,
      long bOff,
      long brs,
      long bcs,
      MemorySegment c,
      long cOff,
      long ldc,
      boolean accumulate,
      boolean parallel) {
    int threads = parallel ? Parallel.threads() : 1;
    // Equal k slices rather than KC + a sliver: a sliver would run the kernel at low reuse.
    int kSlices = ceilDiv(k, KC);
    int kcStep = ceilDiv(k, kSlices);
    if (parallel && m < threads * 4 * MR && n >= threads * 2 * NR) {
      blockedSplitColumns(
          m, n, k, kcStep, a, aOff, ars, acs, b, bOff, brs, bcs, c, cOff, ldc, accumulate);
      return;
    }
    // Row blocks: a multiple of the thread count, of equal size, so no thread idles at the end.
    int mBlocks = ceilDiv(m, MC);
    if (parallel) {
      mBlocks = ceilDiv(Math.max(mBlocks, 2 * threads), threads) * threads;
    }
    int mc = Math.min(roundUp(ceilDiv(m, mBlocks), MR), roundUp(m, MR));
    int rowBlocks = ceilDiv(m, mc);
    // B is packed for several k slices at once (up to B_PACK_MAX floats), so that each task
    // runs a row block through all of them: with threads, every pack is a barrier where a
    // thread that the OS has descheduled holds the others up, so fewer is faster.
    int kSlicesTotal = ceilDiv(k, kcStep);
    Buffers own = BUFFERS.get();
    for (int jc = 0; jc < n; jc += NC) {
      int nc = Math.min(NC, n - jc);
      int ncPanels = ceilDiv(nc, NR);
      int sliceFloats = ncPanels * kcStep * NR;
      int slicesPerPack = Math.max(1, Math.min(kSlicesTotal, B_PACK_MAX / sliceFloats));
      long bCol = bOff + jc * bcs;
      for (int s0 = 0; s0 < kSlicesTotal; s0 += slicesPerPack) {
        Parallel.checkInterrupt(OP);
        int s1 = Math.min(kSlicesTotal, s0 + slicesPerPack);
        float[] bp = own.b((s1 - s0) * sliceFloats);
        int firstSlice = s0;
        forRange(
            parallel,
            (s1 - s0) * ncPanels,
            16,
            (from, to) -> {
              Buffers mine = BUFFERS.get();
              for (long t = from; t < to; ) {
                int slice = (int) (t / ncPanels);
                int q0 = (int) (t % ncPanels);
                int q1 = (int) Math.min(ncPanels, q0 + (to - t));
                int pc = (firstSlice + slice) * kcStep;
                int kc = Math.min(kcStep, k - pc);
                packB(b, bCol + pc * brs, brs, bcs, kc, nc, bp, slice * sliceFloats, q0, q1, mine);
                t += q1 - q0;
              }
            });
        long cBase = cOff + jc;
        forRange(
            parallel,
            rowBlocks,
            1,
            (from, to) -> {
              Buffers mine = BUFFERS.get();
              for (int blk = (int) from; blk < to; blk++) {
                int ic = blk * mc;
                int mcur = Math.min(mc, m - ic);
                for (int slice = firstSlice; slice < s1; slice++) {
                  Parallel.checkInterrupt(OP);
                  int pc = slice * kcStep;
                  int kc = Math.min(kcStep, k - pc);
                  float[] ap = mine.a(roundUp(mcur, MR) * kc);
                  packA(a, aOff + pc * acs + ic * ars, ars, acs, mcur, kc, ap, mine);
                  macroKernel(
                      kc,
                      mcur,
                      nc,
                      ap,
                      bp,
                      (slice - firstSlice) * sliceFloats,
                      c,
                      cBase + ic * ldc,
                      ldc,
                      accumulate || pc > 0,
                      mine.tile);
                }
              }
            });
      }
    }
  }

  /**
   * For few rows and many columns: one packed A slice shared by all threads, which each take a
   * range of columns and pack their own part of B.
   */
  private static void blockedSplitColumns(
      int m,
      int n,
      int k,
      int kcStep,
      MemorySegment a,
      long aOff,
      long ars,
      long acs,
      MemorySegment b,
      long bOff,
      long brs,
      long bcs,
      MemorySegment c,
      long cOff,
      long ldc,
      boolean accumulate) {
    int panels = ceilDiv(n, NR);
    int maxPanelsPerPack = NC / NR;
    Buffers own = BUFFERS.get();
    for (int pc = 0; pc < k; pc += kcStep) {
      Parallel.checkInterrupt(OP);
      int kc = Math.min(kcStep, k - pc);
      boolean addToC = accumulate || pc > 0;
      float[] ap = own.a(roundUp(m, MR) * kc);
      packA(a, aOff + pc * acs, ars, acs, m, kc, ap, own);
      long bRow = bOff + pc * brs;
      Parallel.parallelFor(
          OP,
          0,
          panels,
          1,
          (from, to) -> {
            Buffers mine = BUFFERS.get();
            for (int p0 = (int) from; p0 < to; p0 += maxPanelsPerPack) {
              Parallel.checkInterrupt(OP);
              int p1 = (int) Math.min(to, p0 + maxPanelsPerPack);
              int jc = p0 * NR;
              int nc = Math.min(p1 * NR, n) - jc;
              float[] bp = mine.b((p1 - p0) * kc * NR);
              packB(b, bRow + jc * bcs, brs, bcs, kc, nc, bp, 0, 0, p1 - p0, mine);
              macroKernel(kc, m, nc, ap, bp, 0, c, cOff + jc, ldc, addToC, mine.tile);
            }
          });
    }
  }

  private static void forRange(boolean parallel, int count, int grain, Parallel.RangeBody body) {
    if (parallel) {
      Parallel.parallelFor(OP, 0, count, grain, body);
    } else {
      body.run(0, count);
    }
  }

  /**
   * Copies rows {@code [0, mc)} × columns {@code [0, kc)} of A (element {@code base} at the top
   * left) into micro-panels of {@value #MR} rows: panel {@code q} holds, for each p, the MR values
   * of column p, so the kernel reads A strictly forward. A short last panel is padded with zeros.
   * Contiguous rows (or columns) are first bulk-copied into {@code stage}, then interleaved with
   * plain array code; element-wise segment reads are the slow fallback.
   */
  static void packA(
      MemorySegment a, long base, long rs, long cs, int mc, int kc, float[] ap, Buffers buf) {
    if (rs == 1 && cs != 1) {
      packAColumns(a, base, cs, mc, kc, ap, buf);
      return;
    }
    float[] stage = cs == 1 ? buf.stage(MR * kc) : null;
    for (int ir = 0; ir < mc; ir += MR) {
      int mr = Math.min(MR, mc - ir);
      int dst = (ir / MR) * kc * MR;
      long panel = base + ir * rs;
      if (mr < MR) {
        Arrays.fill(ap, dst, dst + kc * MR, 0f);
      }
      if (stage != null) {
        packRuns(a, panel, rs, mr, kc, ap, dst, MR, stage); // rows of A, contiguous
      } else {
        packAStrided(a, panel, rs, cs, kc, mr, ap, dst);
      }
    }
  }

  // packA's layouts as methods of their own, for packB's reason (the note above packBRows).

  /** Transposed A: each column of the block is contiguous, copied in bulk, then interleaved. */
  private static void packAColumns(
      MemorySegment a, long base, long cs, int mc, int kc, float[] ap, Buffers buf) {
    float[] stage = buf.stage(mc * kc);
    for (int p = 0; p < kc; p++) {
      MemorySegment.copy(a, FLOAT, (base + p * cs) * Float.BYTES, stage, p * mc, mc);
    }
    for (int ir = 0; ir < mc; ir += MR) {
      int mr = Math.min(MR, mc - ir);
      int dst = (ir / MR) * kc * MR;
      if (mr < MR) {
        Arrays.fill(ap, dst, dst + kc * MR, 0f);
      }
      for (int p = 0, d = dst, s = ir; p < kc; p++, d += MR, s += mc) {
        for (int r = 0; r < mr; r++) {
          ap[d + r] = stage[s + r];
        }
      }
    }
  }

  /**
   * Packs {@code runs} contiguous runs of {@code kc} floats (the rows of a row-major A panel, the
   * columns of a transposed B panel), run j starting at element {@code first + j·runStride}: each
   * copied in bulk into {@code stage}, then written to {@code dst[dstOff + j + p·step]}, p < kc.
   * One method for both operands, so the JIT compiles this loop once.
   */
  private static void packRuns(
      MemorySegment src,
      long first,
      long runStride,
      int runs,
      int kc,
      float[] dst,
      int dstOff,
      int step,
      float[] stage) {
    for (int j = 0; j < runs; j++) {
      MemorySegment.copy(src, FLOAT, (first + j * runStride) * Float.BYTES, stage, j * kc, kc);
    }
    for (int j = 0; j < runs; j++) {
      for (int p = 0, d = dstOff + j, s = j * kc; p < kc; p++, d += step) {
        dst[d] = stage[s + p];
      }
    }
  }

  /** A panel of any other layout, element by element. */
  private static void packAStrided(
      MemorySegment a, long panel, long rs, long cs, int kc, int mr, float[] ap, int dst) {
    for (int p = 0; p < kc; p++) {
      for (int r = 0; r < mr; r++) {
        ap[dst + p * MR + r] = a.get(FLOAT, (panel + r * rs + p * cs) * Float.BYTES);
      }
    }
  }

  /**
   * Copies rows {@code [0, kc)} × columns of B (element {@code base} at the top left) into
   * micro-panels of {@link #NR} columns, panels {@code [panelFrom, panelTo)} of a slice {@code nc}
   * wide, starting at {@code bp[bpOff]}: panel {@code q} holds, for each p, the NR values of row p.
   * A short last panel is padded with zeros. Row-major B is copied a vector at a time; transposed B
   * (the usual {@code x·Wᵀ}) column by column in bulk through {@code stage}.
   */
  static void packB(
      MemorySegment b,
      long base,
      long rs,
      long cs,
      int kc,
      int nc,
      float[] bp,
      int bpOff,
      int panelFrom,
      int panelTo,
      Buffers buf) {
    for (int q = panelFrom; q < panelTo; q++) {
      int jr = q * NR;
      int nr = Math.min(NR, nc - jr);
      int dst = bpOff + q * kc * NR;
      long panel = base + jr * cs;
      if (nr == NR && cs == 1) {
        packBRows(b, panel, rs, kc, bp, dst);
        continue;
      }
      if (nr < NR) {
        Arrays.fill(bp, dst, dst + kc * NR, 0f);
      }
      if (rs == 1) {
        packRuns(b, panel, cs, nr, kc, bp, dst, NR, buf.stage(NR * kc)); // columns of B
      } else {
        packBStrided(b, panel, rs, cs, kc, nr, bp, dst);
      }
    }
  }

  // packB's layouts, each a method of its own (packRuns shared with packA): the JIT compiles each
  // loop once, whichever layout comes first, instead of compiling (and, on a stack replacement,
  // recompiling) one method whose other branches it had left out. A fresh JVM's first larger fit
  // paid three C2 compiles of the whole packB before this.

  /** A full panel of row-major B: one row of NR floats a vector pair at a time. */
  private static void packBRows(MemorySegment b, long panel, long rs, int kc, float[] bp, int dst) {
    for (int p = 0, d = dst; p < kc; p++, d += NR) {
      long src = (panel + p * rs) * Float.BYTES;
      FloatVector.fromMemorySegment(F, b, src, NATIVE).intoArray(bp, d);
      FloatVector.fromMemorySegment(F, b, src + (long) L * Float.BYTES, NATIVE)
          .intoArray(bp, d + L);
    }
  }

  /** Any other layout (or a short row-major panel), element by element. */
  private static void packBStrided(
      MemorySegment b, long panel, long rs, long cs, int kc, int nr, float[] bp, int dst) {
    for (int p = 0; p < kc; p++) {
      long src = panel + p * rs;
      int d = dst + p * NR;
      for (int j = 0; j < nr; j++) {
        bp[d + j] = b.get(FLOAT, (src + j * cs) * Float.BYTES);
      }
    }
  }

  /**
   * Multiplies a packed {@code mc × kc} A block by a packed {@code kc × nc} B slice into C, one
   * register tile at a time; each B micro-panel is reused for the whole A block.
   */
  static void macroKernel(
      int kc,
      int mc,
      int nc,
      float[] ap,
      float[] bp,
      int bpOff,
      MemorySegment c,
      long cIndex,
      long ldc,
      boolean addToC,
      float[] tile) {
    long ldcBytes = ldc * Float.BYTES;
    for (int jr = 0, bi = bpOff; jr < nc; jr += NR, bi += kc * NR) {
      int nr = Math.min(NR, nc - jr);
      for (int ir = 0, ai = 0; ir < mc; ir += MR, ai += kc * MR) {
        int mr = Math.min(MR, mc - ir);
        long cBytes = (cIndex + ir * ldc + jr) * Float.BYTES;
        microKernel(kc, ap, ai, bp, bi, c, cBytes, ldcBytes, addToC, mr, nr, tile);
      }
    }
  }

  /**
   * The register tile: C[0..mr, 0..nr) (+)= Ap·Bp over kc steps, in eight named accumulators (the
   * JIT keeps locals, not array elements, in registers). Eight is what fits: with twelve (6×2, 4×3)
   * C2 hoists several broadcasts at once, runs out of the sixteen AVX2 registers and spills an
   * accumulator, which puts a store-load round trip on the loop's critical path and halves the
   * speed. Eight FMAs in flight cover the FMA latency (4 cycles × 2 ports on Zen 3). Unrolling by
   * hand spills too, so the loop is left for C2 to shape.
   */
  private static void microKernel(
      int kc,
      float[] ap,
      int ai,
      float[] bp,
      int bi,
      MemorySegment c,
      long cBytes,
      long ldcBytes,
      boolean addToC,
      int mr,
      int nr,
      float[] tile) {
    FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
    FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
    FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
    FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
    for (int p = 0; p < kc; p++) {
      int bj = bi + p * NR;
      int ak = ai + p * MR;
      FloatVector b0 = FloatVector.fromArray(F, bp, bj);
      FloatVector b1 = FloatVector.fromArray(F, bp, bj + L);
      FloatVector x = FloatVector.broadcast(F, ap[ak]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(F, ap[ak + 1]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(F, ap[ak + 2]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(F, ap[ak + 3]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
    }
    // The tile goes out through a float[] so that no vector crosses a method boundary (which
    // would box it) and this method stays small enough for C2 to inline all its vector ops;
    // eight extra stores and loads are nothing next to the kc × 8 FMAs above.
    c00.intoArray(tile, 0);
    c01.intoArray(tile, L);
    c10.intoArray(tile, NR);
    c11.intoArray(tile, NR + L);
    c20.intoArray(tile, 2 * NR);
    c21.intoArray(tile, 2 * NR + L);
    c30.intoArray(tile, 3 * NR);
    c31.intoArray(tile, 3 * NR + L);
    writeTile(tile, c, cBytes, ldcBytes, addToC, mr, nr);
  }

  /** C[0..mr, 0..nr) (+)= tile, vector-wide for a full tile, element by element at the edges. */
  private static void writeTile(
      float[] tile, MemorySegment c, long cBytes, long ldcBytes, boolean addToC, int mr, int nr) {
    if (nr == NR) {
      for (int r = 0; r < mr; r++) {
        long at = cBytes + r * ldcBytes;
        for (int v = 0; v < NR; v += L) {
          long atV = at + (long) v * Float.BYTES;
          var x = FloatVector.fromArray(F, tile, r * NR + v);
          if (addToC) {
            x.add(FloatVector.fromMemorySegment(F, c, atV, NATIVE))
                .intoMemorySegment(c, atV, NATIVE);
          } else {
            x.intoMemorySegment(c, atV, NATIVE);
          }
        }
      }
      return;
    }
    for (int r = 0; r < mr; r++) {
      long row = cBytes + r * ldcBytes;
      for (int j = 0; j < nr; j++) {
        long at = row + (long) j * Float.BYTES;
        float v = tile[r * NR + j];
        c.set(FLOAT, at, addToC ? c.get(FLOAT, at) + v : v);
      }
    }
  }

  private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED;

  /**
   * The float64 twin of {@link #sgemm}, same arguments with {@code double} elements. Used for
   * gradient checks, where correctness matters and speed much less: a plain row-at-a-time loop that
   * accumulates each row of C in a {@code double[]}, rows spread over threads when large.
   */
  public static void dgemm(
      int m,
      int n,
      int k,
      MemorySegment a,
      long aOffset,
      long aRowStride,
      long aColStride,
      MemorySegment b,
      long bOffset,
      long bRowStride,
      long bColStride,
      MemorySegment c,
      long cOffset,
      long ldc,
      boolean accumulate) {
    checkShape("dgemm", m, n, k, ldc);
    checkView("dgemm", "A", a, aOffset, m, k, aRowStride, aColStride, Double.BYTES);
    checkView("dgemm", "B", b, bOffset, k, n, bRowStride, bColStride, Double.BYTES);
    checkView("dgemm", "C", c, cOffset, m, n, ldc, 1, Double.BYTES);
    if (m == 0 || n == 0) {
      return;
    }
    long rowWork = Math.max(1L, (long) n * k);
    // A grain of all rows keeps memory of a confined arena on its owner thread.
    long grain = shareable(a, b, c) ? Math.max(1, PARALLEL_MIN_WORK / rowWork) : m;
    Parallel.parallelFor(
        OP,
        0,
        m,
        grain,
        (from, to) -> {
          double[] row = new double[n];
          for (long i = from; i < to; i++) {
            Parallel.checkInterrupt(OP);
            Arrays.fill(row, 0.0);
            long aRow = aOffset + i * aRowStride;
            for (int p = 0; p < k; p++) {
              double x = a.get(DOUBLE, (aRow + p * aColStride) * Double.BYTES);
              long bRow = bOffset + p * bRowStride;
              for (int j = 0; j < n; j++) {
                row[j] = Math.fma(x, b.get(DOUBLE, (bRow + j * bColStride) * Double.BYTES), row[j]);
              }
            }
            long cRow = (cOffset + i * ldc) * Double.BYTES;
            for (int j = 0; j < n; j++) {
              long at = cRow + (long) j * Double.BYTES;
              c.set(DOUBLE, at, accumulate ? c.get(DOUBLE, at) + row[j] : row[j]);
            }
          }
        });
  }

  // ---- argument checks ----

  static void checkShape(String op, int m, int n, int k, long ldc) {
    if (m < 0 || n < 0 || k < 0) {
      throw new IllegalArgumentException(
          op + ": dimensions must be >= 0, got m=" + m + ", n=" + n + ", k=" + k);
    }
    if (n > 0 && m > 1 && ldc < n) {
      throw new IllegalArgumentException(
          op + ": ldc " + ldc + " is less than n=" + n + ", rows of C would overlap");
    }
  }

  static void checkView(
      String op,
      String name,
      MemorySegment seg,
      long offset,
      long rows,
      long cols,
      long rowStride,
      long colStride,
      int elementBytes) {
    checkView(op, name, seg, offset, 1, rows, cols, 0, rowStride, colStride, elementBytes);
  }

  private static void checkView(
      String op,
      String name,
      MemorySegment seg,
      long offset,
      long batch,
      long rows,
      long cols,
      long batchStride,
      long rowStride,
      long colStride) {
    checkView(
        op, name, seg, offset, batch, rows, cols, batchStride, rowStride, colStride, Float.BYTES);
  }

  /** Fails early, with the view's numbers, when a strided view reaches outside its segment. */
  private static void checkView(
      String op,
      String name,
      MemorySegment seg,
      long offset,
      long batch,
      long rows,
      long cols,
      long batchStride,
      long rowStride,
      long colStride,
      int elementBytes) {
    if (batch == 0 || rows == 0 || cols == 0) {
      return;
    }
    // Each axis's reach, one after another (no arrays: this runs for every operand of every
    // product, interpreted in a fresh JVM's first fit).
    long batchReach = Math.multiplyExact(batch - 1, batchStride);
    long lo = batchReach < 0 ? Math.addExact(offset, batchReach) : offset;
    long hi = batchReach < 0 ? offset : Math.addExact(offset, batchReach);
    long rowReach = Math.multiplyExact(rows - 1, rowStride);
    if (rowReach < 0) {
      lo = Math.addExact(lo, rowReach);
    } else {
      hi = Math.addExact(hi, rowReach);
    }
    long colReach = Math.multiplyExact(cols - 1, colStride);
    if (colReach < 0) {
      lo = Math.addExact(lo, colReach);
    } else {
      hi = Math.addExact(hi, colReach);
    }
    long capacity = seg.byteSize() / elementBytes;
    if (lo < 0 || hi >= capacity) {
      throw new IndexOutOfBoundsException(
          op
              + ": "
              + name
              + " ("
              + rows
              + "x"
              + cols
              + (batch > 1 ? " x batch " + batch + ", batch stride " + batchStride : "")
              + ", offset "
              + offset
              + ", strides "
              + rowStride
              + ","
              + colStride
              + ") reaches elements "
              + lo
              + ".."
              + hi
              + " but the segment holds "
              + capacity);
    }
  }

  static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  static int roundUp(int a, int multiple) {
    return ceilDiv(a, multiple) * multiple;
  }
}
