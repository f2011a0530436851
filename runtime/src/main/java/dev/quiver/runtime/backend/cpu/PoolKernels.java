package dev.quiver.runtime.backend.cpu;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.backend.PoolAxis;
import dev.quiver.runtime.backend.PoolGeometry;
import dev.quiver.runtime.backend.View;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Max and average pooling on the CPU, plane by plane (a plane is one channel of one sample), planes
 * spread over the worker pool. Each plane is read into a plain array once (float32 and float64
 * alike, as doubles), pooled there, and its results written back in bulk. Window bounds come from
 * {@link PoolAxis}, computed once per call for every output row and column.
 */
final class PoolKernels {
  private PoolKernels() {}

  /** The window bounds along one axis: start, end and divisor per output position. */
  private record Windows(int[] start, int[] end, int[] divisor) {
    static Windows of(PoolAxis a, boolean countIncludePad) {
      int[] s = new int[a.out()];
      int[] e = new int[a.out()];
      int[] d = new int[a.out()];
      for (int o = 0; o < a.out(); o++) {
        s[o] = a.start(o);
        e[o] = a.end(o);
        d[o] = a.divisor(o, countIncludePad);
      }
      return new Windows(s, e, d);
    }
  }

  private static final class Buffers {
    double[] in = new double[0];
    double[] out = new double[0];
    float[] floats = new float[0];
    int[] ints = new int[0];
  }

  private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

  @FunctionalInterface
  private interface PlaneBody {
    void run(long plane, Buffers buf);
  }

  private static void forEachPlane(String op, PoolGeometry p, PlaneBody body, View... views) {
    long perPlane = (long) p.inPixels() + p.outPixels();
    long grain = Math.max(1, (1L << 15) / Math.max(1, perPlane));
    boolean shared = true;
    for (View v : views) {
      shared &= Parallel.workersCanAccess(v.hostSegment());
    }
    Parallel.RangeBody range =
        (from, to) -> {
          Buffers buf = BUFFERS.get();
          for (long plane = from; plane < to; plane++) {
            body.run(plane, buf);
          }
          Parallel.checkInterrupt(op);
        };
    if (shared) {
      Parallel.parallelFor(op, 0, p.planes(), grain, range);
    } else {
      range.run(0, p.planes());
    }
  }

  static void maxPool(View x, View out, View argmax, PoolGeometry p) {
    if (x.dtype() == DType.FLOAT32 && out.dtype() == DType.FLOAT32) {
      maxPoolF32(x, out, argmax, p);
      return;
    }
    Windows wh = Windows.of(p.h(), false);
    Windows ww = Windows.of(p.w(), false);
    int inW = p.w().in();
    int ipx = p.inPixels();
    int opx = p.outPixels();
    MemorySegment im = argmax.hostSegment();
    forEachPlane(
        "maxPool2d",
        p,
        (plane, buf) -> {
          double[] in = read(x, plane * ipx, ipx, buf);
          double[] res = buf.out.length >= opx ? buf.out : (buf.out = new double[opx]);
          int[] idx = buf.ints.length >= opx ? buf.ints : (buf.ints = new int[opx]);
          int o = 0;
          for (int r = 0; r < wh.start.length; r++) {
            for (int c = 0; c < ww.start.length; c++) {
              double best = Double.NEGATIVE_INFINITY;
              int at = wh.start[r] * inW + ww.start[c];
              for (int i = wh.start[r]; i < wh.end[r]; i++) {
                for (int j = ww.start[c]; j < ww.end[c]; j++) {
                  double v = in[i * inW + j];
                  if (v > best || Double.isNaN(v)) {
                    best = v;
                    at = i * inW + j;
                    if (Double.isNaN(v)) {
                      i = wh.end[r];
                      break;
                    }
                  }
                }
              }
              res[o] = best;
              idx[o++] = at;
            }
          }
          write(res, out, plane * opx, opx, buf);
          writeIndices(idx, im, argmax.offset() + plane * opx, opx);
        },
        x,
        out,
        argmax);
  }

  /**
   * float32 max pooling without the conversion to double. Ties and NaN as the general path: the
   * first largest in row-major order wins, and the first NaN. The windows of a 2x2 pooling with
   * stride 2 and no padding (every window whole) take a branch-free loop of their own (the general
   * loop's data-dependent branches mispredict about every other element); a plane with a NaN goes
   * through the general loop.
   */
  private static void maxPoolF32(View x, View out, View argmax, PoolGeometry p) {
    Windows wh = Windows.of(p.h(), false);
    Windows ww = Windows.of(p.w(), false);
    int ipx = p.inPixels();
    int opx = p.outPixels();
    boolean twoByTwo = isTwoByTwo(p.h()) && isTwoByTwo(p.w());
    MemorySegment xs = x.hostSegment();
    MemorySegment ys = out.hostSegment();
    MemorySegment im = argmax.hostSegment();
    forEachPlane(
        "maxPool2d",
        p,
        (plane, buf) -> {
          float[] in =
              buf.floats.length >= ipx + opx ? buf.floats : (buf.floats = new float[ipx + opx]);
          int[] idx = buf.ints.length >= opx ? buf.ints : (buf.ints = new int[opx]);
          MemorySegment.copy(
              xs, ValueLayout.JAVA_FLOAT_UNALIGNED, (x.offset() + plane * ipx) * 4L, in, 0, ipx);
          int inW = p.w().in();
          if (!twoByTwo || !maxPlane2x2(in, ipx, idx, wh.start.length, ww.start.length, inW)) {
            maxPlane(in, ipx, idx, wh, ww, inW);
          }
          MemorySegment.copy(
              in,
              ipx,
              ys,
              ValueLayout.JAVA_FLOAT_UNALIGNED,
              (out.offset() + plane * opx) * 4L,
              opx);
          writeIndices(idx, im, argmax.offset() + plane * opx, opx);
        },
        x,
        out,
        argmax);
  }

  /**
   * Any windows: the plane is {@code in[0, ipx)}; each window's largest goes to {@code in[ipx + o]}
   * and its position in the plane to {@code idx[o]}.
   */
  private static void maxPlane(float[] in, int ipx, int[] idx, Windows wh, Windows ww, int inW) {
    int o = 0;
    for (int r = 0; r < wh.start.length; r++) {
      for (int c = 0; c < ww.start.length; c++, o++) {
        float best = Float.NEGATIVE_INFINITY;
        int at = wh.start[r] * inW + ww.start[c];
        search:
        for (int i = wh.start[r]; i < wh.end[r]; i++) {
          for (int j = ww.start[c]; j < ww.end[c]; j++) {
            float v = in[i * inW + j];
            if (v > best || v != v) {
              best = v;
              at = i * inW + j;
              if (v != v) {
                break search;
              }
            }
          }
        }
        in[ipx + o] = best;
        idx[o] = at;
      }
    }
  }

  /**
   * 2x2 windows with stride 2, as {@link #maxPlane}, without data-dependent branches: each value
   * becomes a long that orders as the float does (its bits made monotone, -0 folded into +0 since
   * they tie) with the window position below it, earlier positions larger so that the first of
   * equals wins, and the window's maximum is the largest long. Returns false, with a result to be
   * discarded, when the plane holds a NaN.
   */
  private static boolean maxPlane2x2(float[] in, int ipx, int[] idx, int oh, int ow, int inW) {
    boolean nan = false;
    int o = 0;
    for (int r = 0; r < oh; r++) {
      int row = 2 * r * inW;
      for (int c = 0; c < ow; c++, o++) {
        int at = row + 2 * c;
        float a = in[at];
        float b = in[at + 1];
        float d = in[at + inW];
        float e = in[at + inW + 1];
        nan |= a != a | b != b | d != d | e != e;
        long m =
            Math.max(
                Math.max(key(a) << 2 | 3, key(b) << 2 | 2), Math.max(key(d) << 2 | 1, key(e) << 2));
        int q = 3 - (int) (m & 3);
        at += (q >> 1) * inW + (q & 1);
        in[ipx + o] = in[at];
        idx[o] = at;
      }
    }
    return !nan;
  }

  /** A signed int in the order of the floats (not NaN), -0 and +0 equal. */
  private static long key(float f) {
    int bits = Float.floatToRawIntBits(f + 0f);
    return bits ^ ((bits >> 31) & 0x7fffffff);
  }

  private static void writeIndices(int[] idx, MemorySegment to, long at, int n) {
    MemorySegment.copy(idx, 0, to, ValueLayout.JAVA_INT_UNALIGNED, at * Integer.BYTES, n);
  }

  private static boolean isTwoByTwo(PoolAxis a) {
    return !a.adaptive()
        && a.kernel() == 2
        && a.stride() == 2
        && a.pad() == 0
        && 2 * a.out() <= a.in();
  }

  /**
   * The gradient of max pooling, plane by plane: zeros, then each output's gradient added at the
   * position its argmax names (positions are in the plane, so planes are independent).
   */
  static void maxPoolBackward(View gOut, View argmax, View gx, PoolGeometry p) {
    int ipx = p.inPixels();
    int opx = p.outPixels();
    MemorySegment im = argmax.hostSegment();
    forEachPlane(
        "maxPool2d backward",
        p,
        (plane, buf) -> {
          int[] idx = buf.ints.length >= opx ? buf.ints : (buf.ints = new int[opx]);
          MemorySegment.copy(
              im,
              ValueLayout.JAVA_INT_UNALIGNED,
              (argmax.offset() + plane * opx) * Integer.BYTES,
              idx,
              0,
              opx);
          double[] dy = read(gOut, plane * opx, opx, buf);
          double[] dx = buf.out.length >= ipx ? buf.out : (buf.out = new double[ipx]);
          Arrays.fill(dx, 0, ipx, 0);
          for (int o = 0; o < opx; o++) {
            dx[idx[o]] += dy[o];
          }
          write(dx, gx, plane * ipx, ipx, buf);
        },
        gOut,
        argmax,
        gx);
  }

  static void avgPool(View x, View out, PoolGeometry p) {
    Windows wh = Windows.of(p.h(), p.countIncludePad());
    Windows ww = Windows.of(p.w(), p.countIncludePad());
    int inW = p.w().in();
    int ipx = p.inPixels();
    int opx = p.outPixels();
    forEachPlane(
        "avgPool2d",
        p,
        (plane, buf) -> {
          double[] in = read(x, plane * ipx, ipx, buf);
          double[] res = buf.out.length >= opx ? buf.out : (buf.out = new double[opx]);
          int o = 0;
          for (int r = 0; r < wh.start.length; r++) {
            for (int c = 0; c < ww.start.length; c++) {
              double s = 0;
              for (int i = wh.start[r]; i < wh.end[r]; i++) {
                for (int j = ww.start[c]; j < ww.end[c]; j++) {
                  s += in[i * inW + j];
                }
              }
              res[o++] = s / ((double) wh.divisor[r] * ww.divisor[c]);
            }
          }
          write(res, out, plane * opx, opx, buf);
        },
        x,
        out);
  }

  static void avgPoolBackward(View gOut, View gx, PoolGeometry p) {
    Windows wh = Windows.of(p.h(), p.countIncludePad());
    Windows ww = Windows.of(p.w(), p.countIncludePad());
    int inW = p.w().in();
    int ipx = p.inPixels();
    int opx = p.outPixels();
    forEachPlane(
        "avgPool2d backward",
        p,
        (plane, buf) -> {
          // The upstream gradient goes in buf.in, the plane's gradient in buf.out.
          double[] dy = read(gOut, plane * opx, opx, buf);
          double[] dx = buf.out.length >= ipx ? buf.out : (buf.out = new double[ipx]);
          Arrays.fill(dx, 0, ipx, 0);
          int o = 0;
          for (int r = 0; r < wh.start.length; r++) {
            for (int c = 0; c < ww.start.length; c++) {
              double v = dy[o++] / ((double) wh.divisor[r] * ww.divisor[c]);
              for (int i = wh.start[r]; i < wh.end[r]; i++) {
                for (int j = ww.start[c]; j < ww.end[c]; j++) {
                  dx[i * inW + j] += v;
                }
              }
            }
          }
          write(dx, gx, plane * ipx, ipx, buf);
        },
        gOut,
        gx);
  }

  /** {@code n} elements of dense {@code v} from element {@code from}, as doubles in buf.in. */
  private static double[] read(View v, long from, int n, Buffers buf) {
    double[] d = buf.in.length >= n ? buf.in : (buf.in = new double[n]);
    MemorySegment s = v.hostSegment();
    long at = v.offset() + from;
    if (v.dtype() == DType.FLOAT64) {
      MemorySegment.copy(s, ValueLayout.JAVA_DOUBLE_UNALIGNED, at * Double.BYTES, d, 0, n);
    } else if (v.dtype() == DType.FLOAT32) {
      float[] f = buf.floats.length >= n ? buf.floats : (buf.floats = new float[n]);
      MemorySegment.copy(s, ValueLayout.JAVA_FLOAT_UNALIGNED, at * Float.BYTES, f, 0, n);
      for (int i = 0; i < n; i++) {
        d[i] = f[i];
      }
    } else {
      for (int i = 0; i < n; i++) {
        d[i] = ElementwiseKernels.read(s, v.dtype(), at + i);
      }
    }
    return d;
  }

  private static void write(double[] d, View v, long from, int n, Buffers buf) {
    MemorySegment s = v.hostSegment();
    long at = v.offset() + from;
    if (v.dtype() == DType.FLOAT64) {
      MemorySegment.copy(d, 0, s, ValueLayout.JAVA_DOUBLE_UNALIGNED, at * Double.BYTES, n);
    } else if (v.dtype() == DType.FLOAT32) {
      float[] f = buf.floats.length >= n ? buf.floats : (buf.floats = new float[n]);
      for (int i = 0; i < n; i++) {
        f[i] = (float) d[i];
      }
      MemorySegment.copy(f, 0, s, ValueLayout.JAVA_FLOAT_UNALIGNED, at * Float.BYTES, n);
    } else {
      for (int i = 0; i < n; i++) {
        ElementwiseKernels.write(s, v.dtype(), at + i, d[i]);
      }
    }
  }
}
