package dev.quiver.runtime.backend;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.memory.Storage;

/**
 * Convolution as matrix products, on any backend's primitives: a chunk of samples becomes column
 * matrices ({@link Backend#im2col}), and each group's output is its weight matrix times its columns
 * ({@link Backend#matmul}, batched over the chunk with the weight broadcast). The backward passes
 * are the two other products of the same three matrices, plus {@link Backend#col2im} for the input
 * gradient. Chunks keep the column matrices under {@link #COLUMN_BYTES}.
 */
public final class GemmConvolution {
  private GemmConvolution() {}

  /** Most bytes of column matrices held at once. */
  static final long COLUMN_BYTES = 64L << 20;

  /** Samples per chunk: as many as fit in {@link #COLUMN_BYTES}, at least one. */
  private static int chunk(ConvGeometry g, DType t) {
    long perSample = (long) g.groups() * g.columnRows() * g.outPixels() * t.byteSize();
    return (int) Math.max(1, Math.min(g.batch(), COLUMN_BYTES / Math.max(1, perSample)));
  }

  public static void forward(Backend b, View x, View w, View out, ConvGeometry g) {
    int rows = g.columnRows();
    int og = g.groupOutChannels();
    long opx = g.outPixels();
    long allRows = (long) g.groups() * rows;
    int chunk = chunk(g, x.dtype());
    Storage colMemory = g.isPointwise() ? null : temp(b, x.dtype(), chunk * allRows * opx);
    try {
      for (int n0 = 0; n0 < g.batch(); n0 += chunk) {
        int nb = Math.min(chunk, g.batch() - n0);
        View cols;
        if (colMemory == null) {
          // A 1x1 convolution's columns are its input.
          cols =
              x.withLayout(new long[] {nb, allRows, opx}, dense(allRows, opx), sampleOffset(x, n0));
        } else {
          cols =
              new View(colMemory, x.dtype(), new long[] {nb, allRows, opx}, dense(allRows, opx), 0);
          b.im2col(batch(x, n0, nb), cols, g.withBatch(nb));
        }
        for (int grp = 0; grp < g.groups(); grp++) {
          View wg =
              w.withLayout(
                  new long[] {nb, og, rows}, new long[] {0, rows, 1}, (long) grp * og * rows);
          View cg =
              cols.withLayout(
                  new long[] {nb, rows, opx},
                  new long[] {allRows * opx, opx, 1},
                  cols.offset() + grp * rows * opx);
          View yg =
              out.withLayout(
                  new long[] {nb, og, opx},
                  new long[] {(long) g.outChannels() * opx, opx, 1},
                  ((long) n0 * g.outChannels() + (long) grp * og) * opx);
          b.matmul(wg, cg, yg);
        }
      }
    } finally {
      release(colMemory);
    }
  }

  public static void backwardInput(Backend b, View gOut, View w, View gx, ConvGeometry g) {
    int rows = g.columnRows();
    int og = g.groupOutChannels();
    long opx = g.outPixels();
    long allRows = (long) g.groups() * rows;
    int chunk = chunk(g, gx.dtype());
    Storage colMemory = g.isPointwise() ? null : temp(b, gx.dtype(), chunk * allRows * opx);
    try {
      for (int n0 = 0; n0 < g.batch(); n0 += chunk) {
        int nb = Math.min(chunk, g.batch() - n0);
        View cols =
            colMemory == null
                ? gx.withLayout(
                    new long[] {nb, allRows, opx}, dense(allRows, opx), sampleOffset(gx, n0))
                : new View(
                    colMemory, gx.dtype(), new long[] {nb, allRows, opx}, dense(allRows, opx), 0);
        for (int grp = 0; grp < g.groups(); grp++) {
          // wᵀ of the group: [rows, og], the weight read column-major.
          View wt =
              w.withLayout(
                  new long[] {nb, rows, og}, new long[] {0, 1, rows}, (long) grp * og * rows);
          View dy =
              gOut.withLayout(
                  new long[] {nb, og, opx},
                  new long[] {(long) g.outChannels() * opx, opx, 1},
                  ((long) n0 * g.outChannels() + (long) grp * og) * opx);
          View cg =
              cols.withLayout(
                  new long[] {nb, rows, opx},
                  new long[] {allRows * opx, opx, 1},
                  cols.offset() + grp * rows * opx);
          b.matmul(wt, dy, cg);
        }
        if (colMemory != null) {
          b.col2im(cols, batch(gx, n0, nb), g.withBatch(nb));
        }
      }
    } finally {
      release(colMemory);
    }
  }

  public static void backwardWeight(Backend b, View x, View gOut, View gw, ConvGeometry g) {
    int rows = g.columnRows();
    int og = g.groupOutChannels();
    long opx = g.outPixels();
    long allRows = (long) g.groups() * rows;
    int chunk = chunk(g, x.dtype());
    DType t = gw.dtype();
    Storage colMemory = g.isPointwise() ? null : temp(b, t, chunk * allRows * opx);
    Storage products = temp(b, t, (long) chunk * og * rows);
    Storage sums = temp(b, t, (long) og * rows);
    try {
      b.fill(gw, 0);
      for (int n0 = 0; n0 < g.batch(); n0 += chunk) {
        int nb = Math.min(chunk, g.batch() - n0);
        View cols;
        if (colMemory == null) {
          cols =
              x.withLayout(new long[] {nb, allRows, opx}, dense(allRows, opx), sampleOffset(x, n0));
        } else {
          cols = new View(colMemory, t, new long[] {nb, allRows, opx}, dense(allRows, opx), 0);
          b.im2col(batch(x, n0, nb), cols, g.withBatch(nb));
        }
        View perSample = new View(products, t, new long[] {nb, og, rows}, dense(og, rows), 0);
        View sum = new View(sums, t, new long[] {1, og, rows}, dense(og, rows), 0);
        for (int grp = 0; grp < g.groups(); grp++) {
          View dy =
              gOut.withLayout(
                  new long[] {nb, og, opx},
                  new long[] {(long) g.outChannels() * opx, opx, 1},
                  ((long) n0 * g.outChannels() + (long) grp * og) * opx);
          // The group's columns transposed: [opx, rows].
          View ct =
              cols.withLayout(
                  new long[] {nb, opx, rows},
                  new long[] {allRows * opx, 1, opx},
                  cols.offset() + grp * rows * opx);
          b.matmul(dy, ct, perSample);
          b.reduce(ReduceOp.SUM, perSample, sum);
          View wg =
              gw.withLayout(new long[] {1, og, rows}, dense(og, rows), (long) grp * og * rows);
          b.binary(dev.quiver.runtime.math.ElementwiseMath.BinaryOp.ADD, wg, sum, wg);
        }
      }
    } finally {
      release(colMemory);
      release(products);
      release(sums);
    }
  }

  private static long[] dense(long rows, long cols) {
    return new long[] {rows * cols, cols, 1};
  }

  /** Where sample {@code n} of a dense NCHW view starts. */
  private static long sampleOffset(View v, int n) {
    long[] s = v.shape();
    return v.offset() + n * (v.numel() / s[0]);
  }

  /** Samples {@code n0 .. n0 + nb} of a dense NCHW view. */
  private static View batch(View v, int n0, int nb) {
    long[] s = v.shape();
    s[0] = nb;
    return v.withLayout(s, dev.quiver.runtime.Shapes.contiguousStrides(s), sampleOffset(v, n0));
  }

  private static Storage temp(Backend b, DType t, long elements) {
    return b.allocate(elements * t.byteSize(), null);
  }

  private static void release(Storage s) {
    if (s != null) {
      s.release();
    }
  }
}
