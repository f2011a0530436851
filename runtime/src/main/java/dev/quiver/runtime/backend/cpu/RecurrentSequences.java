package dev.quiver.runtime.backend.cpu;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.backend.View;
import dev.quiver.runtime.memory.HostStorage;
import java.lang.foreign.MemorySegment;

/**
 * A whole recurrent direction per call, forward or backward (see {@code Backend.lstmSequence}). The
 * rows of a batch never mix through the recurrence (each row's state depends on its own inputs
 * only), so the rows are split over the threads once per sequence, and each thread runs every step
 * of its rows: the product of its rows of {@code h} by {@code W_hhᵀ}, packed once for the whole
 * sequence ({@link PackedGemm}) and shared by the threads, then the cell kernel ({@link
 * RecurrentKernels}) on the same rows while they are in cache. Step by step, each step's product
 * would pack {@code W_hhᵀ} again and hand work to the other thread twice.
 *
 * <p>float32 only (the float64 path, what {@code GradCheck} runs, goes step by step); operands are
 * dense except {@code W_hh}, which may have any strides.
 */
final class RecurrentSequences {
  private static final String OP = "lstm";

  private RecurrentSequences() {}

  /**
   * xw [n, len, 4H], whh [4H, H], h0 and c0 [n, H], mask [n, len] or null; writes gates, states.
   */
  static boolean lstmForward(
      View xw, View whh, View h0, View c0, View mask, boolean reverse, View gates, View states) {
    if (!dense(mask, xw, h0, c0, gates, states) || !weights(whh)) {
      return false;
    }
    long n = xw.shape()[0];
    long len = xw.shape()[1];
    int hidden = Math.toIntExact(whh.shape()[1]);
    int g4 = 4 * hidden;
    long[] ws = whh.strides();
    // B = W_hhᵀ [H, 4H]: element (p, j) is W_hh[j, p].
    PackedGemm w = PackedGemm.of(whh.hostSegment(), whh.offset(), ws[1], ws[0], hidden, g4);
    View hh = scratch(n, g4);
    View hs = part(states, 0);
    View cs = part(states, 1);
    forRows(
        n,
        shareable(xw, whh, h0, c0, gates, states, mask),
        (r0, r1) -> {
          View hhRows = rows(hh, r0, r1);
          for (long k = 0; k < len; k++) {
            Parallel.checkInterrupt(OP);
            long t = reverse ? len - 1 - k : k;
            long prev = reverse ? t + 1 : t - 1;
            View hPrev = k == 0 ? rows(h0, r0, r1) : block(hs, prev, r0, r1);
            View cPrev = k == 0 ? rows(c0, r0, r1) : block(cs, prev, r0, r1);
            w.multiply(
                (int) (r1 - r0),
                hPrev.hostSegment(),
                hPrev.offset(),
                hPrev.stride(0),
                1,
                hhRows.hostSegment(),
                hhRows.offset(),
                g4,
                false);
            RecurrentKernels.forward(
                block(xw, t, r0, r1),
                hhRows,
                hPrev,
                cPrev,
                column(mask, t, r0, r1),
                block(gates, t, r0, r1),
                block(hs, t, r0, r1),
                block(cs, t, r0, r1));
          }
        });
    return true;
  }

  /**
   * The gradient of {@link #lstmForward}: gStates [2, n, len, H] reaches every step's h and c from
   * outside; writes gx [n, len, 4H] (each step's gate pre-activations' gradient, that of xw), and
   * dh and dc [n, H], the gradients of h0 and c0.
   */
  static boolean lstmBackward(
      View gates,
      View states,
      View whh,
      View c0,
      View mask,
      boolean reverse,
      View gStates,
      View gx,
      View dh,
      View dc) {
    if (!dense(mask, gates, states, c0, gStates, gx, dh, dc) || !weights(whh)) {
      return false;
    }
    long n = gx.shape()[0];
    long len = gx.shape()[1];
    int hidden = Math.toIntExact(whh.shape()[1]);
    int g4 = 4 * hidden;
    long[] ws = whh.strides();
    // B = W_hh [4H, H] as it is: dh = dz·W_hh.
    PackedGemm w = PackedGemm.of(whh.hostSegment(), whh.offset(), ws[0], ws[1], g4, hidden);
    View cs = part(states, 1);
    View gh = part(gStates, 0);
    View gc = part(gStates, 1);
    forRows(
        n,
        shareable(gates, states, whh, c0, gStates, gx, dh, dc, mask),
        (r0, r1) -> {
          View dhRows = rows(dh, r0, r1);
          View dcRows = rows(dc, r0, r1);
          zero(dhRows);
          zero(dcRows);
          for (long k = len - 1; k >= 0; k--) {
            Parallel.checkInterrupt(OP);
            long t = reverse ? len - 1 - k : k;
            long prev = reverse ? t + 1 : t - 1;
            View dz = block(gx, t, r0, r1);
            RecurrentKernels.backward(
                block(gates, t, r0, r1),
                k == 0 ? rows(c0, r0, r1) : block(cs, prev, r0, r1),
                column(mask, t, r0, r1),
                block(gh, t, r0, r1),
                block(gc, t, r0, r1),
                dhRows,
                dcRows,
                dz);
            // The kernel left (1 - m)·dh in dh, the part that bypasses the cell: zero without a
            // mask, so the product overwrites it then.
            w.multiply(
                (int) (r1 - r0),
                dz.hostSegment(),
                dz.offset(),
                dz.stride(0),
                1,
                dhRows.hostSegment(),
                dhRows.offset(),
                hidden,
                mask != null);
          }
        });
    return true;
  }

  @FunctionalInterface
  interface Rows {
    void run(long from, long to);
  }

  /**
   * Splits rows [0, n) into blocks of the GEMM tile's rows, at least four per thread, and runs them
   * over the pool; on the calling thread alone when the pool may not touch the memory. Small blocks
   * because a block, once a thread has claimed it, runs the whole sequence on that thread: on a
   * loaded machine a descheduled thread holds its block up, and the others, done with theirs, wait.
   */
  private static void forRows(long n, boolean threads, Rows body) {
    int t = threads ? Parallel.threads() : 1;
    long per = Math.max(Sgemm.MR, Sgemm.roundUp((int) Math.ceilDiv(n, 4L * t), Sgemm.MR));
    long blocks = Math.ceilDiv(n, per);
    if (blocks <= 1 || !threads) {
      body.run(0, n);
      return;
    }
    Parallel.parallelFor(
        OP,
        0,
        blocks,
        1,
        (from, to) -> {
          for (long b = from; b < to; b++) {
            body.run(b * per, Math.min(n, (b + 1) * per));
          }
        });
  }

  private static boolean dense(View mask, View... views) {
    for (View v : views) {
      if (v.dtype() != DType.FLOAT32 || !v.isContiguous()) {
        return false;
      }
    }
    return mask == null || (mask.dtype() == DType.FLOAT32 && mask.isContiguous());
  }

  private static boolean weights(View whh) {
    return whh.dtype() == DType.FLOAT32 && whh.dim() == 2 && whh.shape()[1] > 0;
  }

  private static boolean shareable(View... views) {
    for (View v : views) {
      if (v != null && !Parallel.workersCanAccess(v.hostSegment())) {
        return false;
      }
    }
    return true;
  }

  private static View scratch(long rows, long cols) {
    long[] shape = {rows, cols};
    return View.contiguous(HostStorage.allocate(rows * cols * Float.BYTES), DType.FLOAT32, shape);
  }

  private static void zero(View v) {
    MemorySegment s = v.hostSegment();
    s.asSlice(v.offset() * Float.BYTES, v.numel() * Float.BYTES).fill((byte) 0);
  }

  /** Part p of a dense [2, n, len, k] view: [n, len, k]. */
  private static View part(View v, int p) {
    long[] s = v.shape();
    return v.withLayout(
        new long[] {s[1], s[2], s[3]},
        new long[] {s[2] * s[3], s[3], 1},
        v.offset() + p * s[1] * s[2] * s[3]);
  }

  /** Rows [r0, r1) of step t of a dense [n, len, k] view: [r1 - r0, k], rows len·k apart. */
  private static View block(View v, long t, long r0, long r1) {
    long len = v.size(1);
    long k = v.size(2);
    return v.withLayout(
        new long[] {r1 - r0, k}, new long[] {len * k, 1}, v.offset() + r0 * len * k + t * k);
  }

  /** Rows [r0, r1) of a dense [n, k] view. */
  private static View rows(View v, long r0, long r1) {
    long k = v.size(1);
    return v.withLayout(new long[] {r1 - r0, k}, new long[] {k, 1}, v.offset() + r0 * k);
  }

  /** Rows [r0, r1) of column t of a dense [n, len] mask, or null without a mask. */
  private static View column(View mask, long t, long r0, long r1) {
    if (mask == null) {
      return null;
    }
    long len = mask.size(1);
    return mask.withLayout(new long[] {r1 - r0}, new long[] {len}, mask.offset() + r0 * len + t);
  }
}
