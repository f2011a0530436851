package dev.quiver.runtime.backend.cpu;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.backend.ConvGeometry;
import dev.quiver.runtime.backend.View;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * 2-D convolution on the CPU: im2col + the packed {@link Sgemm}, one sample at a time. A sample's
 * input is copied into a plain array once, its column matrix built there (bulk copies of input rows
 * for stride 1, zeros for the padding) and multiplied with the weight matrix; a 1x1 convolution
 * skips the column matrix. The samples of a batch are spread over the worker pool (each worker with
 * its own buffers, the products then single-threaded); one sample alone runs its products on every
 * core instead. The weight gradient sums over the samples in one partial sum per worker, added up
 * at the end.
 *
 * <p>Stride-1 ungrouped convolutions go to {@link DirectConv} instead (no column matrix; faster on
 * every shape measured).
 *
 * <p>float32 and dense operands only (see {@link #supports}); other types go through the generic
 * composition of im2col ({@link #im2col}, any type) and matmul.
 */
final class ConvKernels {
  private ConvKernels() {}

  private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

  /** Per-thread arrays, grown on demand and kept for the next call. */
  private static final class Buffers {
    float[] input = new float[0];
    float[] cols = new float[0];
    MemorySegment colsSegment = MemorySegment.ofArray(cols);

    float[] input(int n) {
      return input.length >= n ? input : (input = new float[n]);
    }

    MemorySegment cols(int n) {
      if (cols.length < n) {
        cols = new float[n];
        colsSegment = MemorySegment.ofArray(cols);
      }
      return colsSegment;
    }
  }

  private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

  /** True when the fast kernels take these operands. */
  static boolean supports(View... views) {
    for (View v : views) {
      if (v.dtype() != DType.FLOAT32 || !v.isContiguous()) {
        return false;
      }
    }
    return true;
  }

  /** Whether the samples go to the workers (each product single-threaded) or one by one. */
  private static boolean spreadSamples(ConvGeometry g, View... views) {
    if (g.batch() < 2 || Parallel.threads() == 1) {
      return false;
    }
    for (View v : views) {
      if (!Parallel.workersCanAccess(v.hostSegment())) {
        return false;
      }
    }
    return true;
  }

  private static void forEachSample(String op, ConvGeometry g, boolean spread, SampleBody body) {
    if (!spread) {
      for (int n = 0; n < g.batch(); n++) {
        Parallel.checkInterrupt(op);
        body.run(n);
      }
      return;
    }
    Parallel.parallelFor(
        op,
        0,
        g.batch(),
        1,
        (from, to) -> {
          for (long n = from; n < to; n++) {
            Parallel.checkInterrupt(op);
            body.run((int) n);
          }
        });
  }

  @FunctionalInterface
  private interface SampleBody {
    void run(int n);
  }

  static void forward(View x, View w, View out, ConvGeometry g) {
    if (DirectConv.chosen(g)) {
      DirectConv.forward(x, w, out, g);
      return;
    }
    MemorySegment xs = x.hostSegment();
    MemorySegment ws = w.hostSegment();
    MemorySegment ys = out.hostSegment();
    long xo = x.offset();
    long wo = w.offset();
    long yo = out.offset();
    int rows = g.columnRows();
    int og = g.groupOutChannels();
    int cg = g.groupInChannels();
    int opx = g.outPixels();
    int ipx = g.inPixels();
    int sampleIn = g.inChannels() * ipx;
    forEachSample(
        "conv2d",
        g,
        spreadSamples(g, x, w, out),
        n -> {
          long yn = yo + (long) n * g.outChannels() * opx;
          if (g.isPointwise()) {
            for (int grp = 0; grp < g.groups(); grp++) {
              Sgemm.sgemm(
                  og,
                  opx,
                  rows,
                  ws,
                  wo + (long) grp * og * rows,
                  rows,
                  1,
                  xs,
                  xo + (long) n * sampleIn + (long) grp * cg * ipx,
                  ipx,
                  1,
                  ys,
                  yn + (long) grp * og * opx,
                  opx,
                  false);
            }
            return;
          }
          Buffers buf = BUFFERS.get();
          float[] xa = buf.input(sampleIn);
          MemorySegment.copy(xs, FLOAT, (xo + (long) n * sampleIn) * Float.BYTES, xa, 0, sampleIn);
          MemorySegment cseg = buf.cols(rows * opx);
          for (int grp = 0; grp < g.groups(); grp++) {
            im2col(xa, grp * cg * ipx, buf.cols, g);
            Sgemm.sgemm(
                og,
                opx,
                rows,
                ws,
                wo + (long) grp * og * rows,
                rows,
                1,
                cseg,
                0,
                opx,
                1,
                ys,
                yn + (long) grp * og * opx,
                opx,
                false);
          }
        });
  }

  static void backwardInput(View gOut, View w, View gx, ConvGeometry g) {
    if (DirectConv.chosen(g)) {
      DirectConv.backwardInput(gOut, w, gx, g);
      return;
    }
    MemorySegment dys = gOut.hostSegment();
    MemorySegment ws = w.hostSegment();
    MemorySegment dxs = gx.hostSegment();
    long dyo = gOut.offset();
    long wo = w.offset();
    long dxo = gx.offset();
    int rows = g.columnRows();
    int og = g.groupOutChannels();
    int cg = g.groupInChannels();
    int opx = g.outPixels();
    int ipx = g.inPixels();
    int sampleIn = g.inChannels() * ipx;
    forEachSample(
        "conv2d backward",
        g,
        spreadSamples(g, gOut, w, gx),
        n -> {
          long dyn = dyo + (long) n * g.outChannels() * opx;
          if (g.isPointwise()) {
            for (int grp = 0; grp < g.groups(); grp++) {
              // dx[grp] = w[grp]ᵀ · dy[grp], wᵀ read column-major.
              Sgemm.sgemm(
                  rows,
                  opx,
                  og,
                  ws,
                  wo + (long) grp * og * rows,
                  1,
                  rows,
                  dys,
                  dyn + (long) grp * og * opx,
                  opx,
                  1,
                  dxs,
                  dxo + (long) n * sampleIn + (long) grp * cg * ipx,
                  ipx,
                  false);
            }
            return;
          }
          Buffers buf = BUFFERS.get();
          float[] dx = buf.input(sampleIn);
          Arrays.fill(dx, 0, sampleIn, 0f);
          MemorySegment cseg = buf.cols(rows * opx);
          for (int grp = 0; grp < g.groups(); grp++) {
            Sgemm.sgemm(
                rows,
                opx,
                og,
                ws,
                wo + (long) grp * og * rows,
                1,
                rows,
                dys,
                dyn + (long) grp * og * opx,
                opx,
                1,
                cseg,
                0,
                opx,
                false);
            col2im(buf.cols, dx, grp * cg * ipx, g);
          }
          MemorySegment.copy(
              dx, 0, dxs, FLOAT, (dxo + (long) n * sampleIn) * Float.BYTES, sampleIn);
        });
  }

  static void backwardWeight(View x, View gOut, View gw, ConvGeometry g) {
    if (DirectConv.chosen(g)) {
      DirectConvWeight.backward(x, gOut, gw, g);
      return;
    }
    MemorySegment xs = x.hostSegment();
    MemorySegment dys = gOut.hostSegment();
    long xo = x.offset();
    long dyo = gOut.offset();
    int rows = g.columnRows();
    int og = g.groupOutChannels();
    int cg = g.groupInChannels();
    int opx = g.outPixels();
    int ipx = g.inPixels();
    int sampleIn = g.inChannels() * ipx;
    int size = g.outChannels() * rows;
    boolean spread = spreadSamples(g, x, gOut, gw);
    int parts = spread ? Math.min(Parallel.threads(), g.batch()) : 1;
    float[][] partial = new float[parts][size];
    Parallel.RangeBody body =
        (from, to) -> {
          for (long p = from; p < to; p++) {
            MemorySegment acc = MemorySegment.ofArray(partial[(int) p]);
            int n0 = (int) (p * g.batch() / parts);
            int n1 = (int) ((p + 1) * g.batch() / parts);
            for (int n = n0; n < n1; n++) {
              Parallel.checkInterrupt("conv2d backward");
              long dyn = dyo + (long) n * g.outChannels() * opx;
              Buffers buf = BUFFERS.get();
              float[] xa = null;
              MemorySegment cseg = null;
              if (!g.isPointwise()) {
                xa = buf.input(sampleIn);
                MemorySegment.copy(
                    xs, FLOAT, (xo + (long) n * sampleIn) * Float.BYTES, xa, 0, sampleIn);
                cseg = buf.cols(rows * opx);
              }
              for (int grp = 0; grp < g.groups(); grp++) {
                // dw[grp] += dy[grp] · cols[grp]ᵀ
                MemorySegment b;
                long bo;
                if (g.isPointwise()) {
                  b = xs;
                  bo = xo + (long) n * sampleIn + (long) grp * cg * ipx;
                } else {
                  im2col(xa, grp * cg * ipx, buf.cols, g);
                  b = cseg;
                  bo = 0;
                }
                Sgemm.sgemm(
                    og,
                    rows,
                    opx,
                    dys,
                    dyn + (long) grp * og * opx,
                    opx,
                    1,
                    b,
                    bo,
                    1,
                    opx,
                    acc,
                    (long) grp * og * rows,
                    rows,
                    true);
              }
            }
          }
        };
    if (parts == 1) {
      body.run(0, 1);
    } else {
      Parallel.parallelFor("conv2d backward", 0, parts, 1, body);
    }
    float[] sum = partial[0];
    for (int p = 1; p < parts; p++) {
      float[] q = partial[p];
      for (int i = 0; i < size; i++) {
        sum[i] += q[i];
      }
    }
    MemorySegment.copy(sum, 0, gw.hostSegment(), FLOAT, gw.offset() * Float.BYTES, size);
  }

  /**
   * One group's column matrix {@code [groupInChannels·kh·kw, outH·outW]} into {@code cols}, from a
   * sample in {@code x} whose group starts at {@code xOff}.
   */
  static void im2col(float[] x, int xOff, float[] cols, ConvGeometry g) {
    int h = g.inH();
    int w = g.inW();
    int oh = g.outH();
    int ow = g.outW();
    int sw = g.strideW();
    int row = 0;
    for (int c = 0; c < g.groupInChannels(); c++) {
      for (int ki = 0; ki < g.kernelH(); ki++) {
        for (int kj = 0; kj < g.kernelW(); kj++) {
          int colShift = kj * g.dilationW() - g.padLeft();
          int lo = validFrom(colShift, sw, ow);
          int hi = validTo(colShift, sw, w, ow);
          int base = row * oh * ow;
          for (int r = 0; r < oh; r++) {
            int ih = r * g.strideH() - g.padTop() + ki * g.dilationH();
            int dst = base + r * ow;
            if (ih < 0 || ih >= h || hi <= lo) {
              Arrays.fill(cols, dst, dst + ow, 0f);
              continue;
            }
            int src = xOff + (c * h + ih) * w + colShift;
            Arrays.fill(cols, dst, dst + lo, 0f);
            if (sw == 1) {
              System.arraycopy(x, src + lo, cols, dst + lo, hi - lo);
            } else {
              for (int q = lo; q < hi; q++) {
                cols[dst + q] = x[src + q * sw];
              }
            }
            Arrays.fill(cols, dst + hi, dst + ow, 0f);
          }
          row++;
        }
      }
    }
  }

  /** The adjoint of {@link #im2col}: adds each column entry to the input pixel it was read from. */
  static void col2im(float[] cols, float[] x, int xOff, ConvGeometry g) {
    int h = g.inH();
    int w = g.inW();
    int oh = g.outH();
    int ow = g.outW();
    int sw = g.strideW();
    int row = 0;
    for (int c = 0; c < g.groupInChannels(); c++) {
      for (int ki = 0; ki < g.kernelH(); ki++) {
        for (int kj = 0; kj < g.kernelW(); kj++) {
          int colShift = kj * g.dilationW() - g.padLeft();
          int lo = validFrom(colShift, sw, ow);
          int hi = validTo(colShift, sw, w, ow);
          int base = row * oh * ow;
          for (int r = 0; r < oh && hi > lo; r++) {
            int ih = r * g.strideH() - g.padTop() + ki * g.dilationH();
            if (ih < 0 || ih >= h) {
              continue;
            }
            int src = base + r * ow;
            int dst = xOff + (c * h + ih) * w + colShift;
            if (sw == 1) {
              for (int q = lo; q < hi; q++) {
                x[dst + q] += cols[src + q];
              }
            } else {
              for (int q = lo; q < hi; q++) {
                x[dst + q * sw] += cols[src + q];
              }
            }
          }
          row++;
        }
      }
    }
  }

  /** The first output column whose input column {@code q·stride + shift} is >= 0. */
  private static int validFrom(int shift, int stride, int outW) {
    return shift >= 0 ? 0 : Math.min(outW, (-shift + stride - 1) / stride);
  }

  /** One past the last output column whose input column {@code q·stride + shift} is < w. */
  private static int validTo(int shift, int stride, int w, int outW) {
    if (w - 1 - shift < 0) {
      return 0;
    }
    return Math.min(outW, (w - 1 - shift) / stride + 1);
  }

  // ---------------------------------------------------------------- any type, through an index

  /**
   * For each entry of a sample's full column matrix {@code [C·kh·kw, outH·outW]} (all groups), the
   * input element it reads (within the sample), or -1 for the padding.
   */
  static int[] columnSources(ConvGeometry g) {
    int opx = g.outPixels();
    int[] src = new int[g.inChannels() * g.kernelH() * g.kernelW() * opx];
    int i = 0;
    for (int c = 0; c < g.inChannels(); c++) {
      for (int ki = 0; ki < g.kernelH(); ki++) {
        for (int kj = 0; kj < g.kernelW(); kj++) {
          for (int r = 0; r < g.outH(); r++) {
            int ih = r * g.strideH() - g.padTop() + ki * g.dilationH();
            for (int q = 0; q < g.outW(); q++) {
              int iw = q * g.strideW() - g.padLeft() + kj * g.dilationW();
              src[i++] =
                  ih < 0 || ih >= g.inH() || iw < 0 || iw >= g.inW()
                      ? -1
                      : (c * g.inH() + ih) * g.inW() + iw;
            }
          }
        }
      }
    }
    return src;
  }

  static void im2col(View x, View cols, ConvGeometry g) {
    int[] src = columnSources(g);
    MemorySegment xs = x.hostSegment();
    MemorySegment cs = cols.hostSegment();
    DType xt = x.dtype();
    DType ct = cols.dtype();
    long sampleIn = (long) g.inChannels() * g.inPixels();
    for (int n = 0; n < g.batch(); n++) {
      Parallel.checkInterrupt("im2col");
      long xb = x.offset() + n * sampleIn;
      long cb = cols.offset() + (long) n * src.length;
      for (int i = 0; i < src.length; i++) {
        double v = src[i] < 0 ? 0 : ElementwiseKernels.read(xs, xt, xb + src[i]);
        ElementwiseKernels.write(cs, ct, cb + i, v);
      }
    }
  }

  static void col2im(View cols, View x, ConvGeometry g) {
    int[] src = columnSources(g);
    MemorySegment xs = x.hostSegment();
    MemorySegment cs = cols.hostSegment();
    DType xt = x.dtype();
    DType ct = cols.dtype();
    int sampleIn = g.inChannels() * g.inPixels();
    double[] acc = new double[sampleIn];
    for (int n = 0; n < g.batch(); n++) {
      Parallel.checkInterrupt("col2im");
      Arrays.fill(acc, 0);
      long cb = cols.offset() + (long) n * src.length;
      for (int i = 0; i < src.length; i++) {
        if (src[i] >= 0) {
          acc[src[i]] += ElementwiseKernels.read(cs, ct, cb + i);
        }
      }
      long xb = x.offset() + (long) n * sampleIn;
      for (int i = 0; i < sampleIn; i++) {
        ElementwiseKernels.write(xs, xt, xb + i, acc[i]);
      }
    }
  }
}
