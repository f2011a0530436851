package dev.quiver.runtime.backend.cpu;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.backend.View;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Batch normalization on the CPU, per channel, in two passes forward (the statistics, then {@code y
 * = x·scale + shift}) and two backward (the channel's two sums, then {@code dx = a·dy + b·x + c}),
 * where the composed form takes a dozen passes and as many temporaries. x is {@code [n, c, s]}:
 * channel {@code ch} is the n runs of s elements at {@code (i·c + ch)·s}. Channels are spread over
 * the worker pool; sums are kept in double (float32 runs are summed in vector lanes, then added in
 * double once per run).
 */
final class NormKernels {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
  private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
  private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED;

  private NormKernels() {}

  /**
   * x {@code [n, c, s]} and the others (null allowed) dense, on the CPU, float32 or float64 alike.
   */
  static boolean supports(View x, View... others) {
    DType t = x.dtype();
    if ((t != DType.FLOAT32 && t != DType.FLOAT64)
        || x.dim() != 3
        || !x.isContiguous()
        || !x.device().isCpu()) {
      return false;
    }
    for (View v : others) {
      if (v != null && (v.dtype() != t || !v.isContiguous() || !v.device().isCpu())) {
        return false;
      }
    }
    return true;
  }

  private static boolean shared(View... views) {
    for (View v : views) {
      if (v != null && !Parallel.workersCanAccess(v.hostSegment())) {
        return false;
      }
    }
    return true;
  }

  @FunctionalInterface
  private interface ChannelBody {
    void run(int ch);
  }

  private static void forEachChannel(String op, int c, View[] views, ChannelBody body) {
    Parallel.RangeBody range =
        (from, to) -> {
          for (long ch = from; ch < to; ch++) {
            body.run((int) ch);
            Parallel.checkInterrupt(op);
          }
        };
    if (shared(views)) {
      Parallel.parallelFor(op, 0, c, 1, range);
    } else {
      range.run(0, c);
    }
  }

  /** See {@code Backend.batchNorm}. */
  static void forward(
      View x, View mean, View var, View weight, View bias, View y, double eps, boolean stats) {
    int n = (int) x.shape()[0];
    int c = (int) x.shape()[1];
    int len = (int) x.shape()[2];
    boolean f32 = x.dtype() == DType.FLOAT32;
    MemorySegment xs = x.hostSegment();
    MemorySegment ys = y.hostSegment();
    forEachChannel(
        "batchNorm",
        c,
        new View[] {x, mean, var, weight, bias, y},
        ch -> {
          double mu;
          double v;
          if (stats) {
            double count = (double) n * len;
            double sum = 0;
            for (int i = 0; i < n; i++) {
              long at = x.offset() + ((long) i * c + ch) * len;
              sum += f32 ? sumF32(xs, at, len) : sumF64(xs, at, len);
            }
            mu = sum / count;
            double sq = 0;
            for (int i = 0; i < n; i++) {
              long at = x.offset() + ((long) i * c + ch) * len;
              sq += f32 ? squaresF32(xs, at, len, (float) mu) : squaresF64(xs, at, len, mu);
            }
            v = sq / count;
            put(mean, ch, mu);
            put(var, ch, v);
          } else {
            mu = get(mean, ch);
            v = get(var, ch);
          }
          double scale = (weight == null ? 1 : get(weight, ch)) / Math.sqrt(v + eps);
          double shift = (bias == null ? 0 : get(bias, ch)) - mu * scale;
          for (int i = 0; i < n; i++) {
            long off = ((long) i * c + ch) * len;
            long xa = x.offset() + off;
            long ya = y.offset() + off;
            if (f32) {
              affineF32(xs, xa, ys, ya, len, (float) scale, (float) shift);
            } else {
              for (int k = 0; k < len; k++) {
                ys.setAtIndex(DOUBLE, ya + k, xs.getAtIndex(DOUBLE, xa + k) * scale + shift);
              }
            }
          }
        });
  }

  /**
   * See {@code Backend.batchNormBackward}. With the batch's statistics ({@code stats}), xhat = (x -
   * μ)·r with r = 1/√(σ² + eps), S1 = Σ dy and S2 = Σ dy·(x - μ) over the channel's m elements:
   * dbias = S1, dweight = S2·r, and dx = w·r·(dy - S1/m - (x - μ)·r²·S2/m), which is a·dy + b·x + k
   * with a = w·r, b = -w·r³·S2/m, k = -a·S1/m - b·μ. With fixed statistics dx = w·r·dy.
   */
  static void backward(
      View x,
      View dy,
      View mean,
      View var,
      View weight,
      View dx,
      View dweight,
      View dbias,
      double eps,
      boolean stats) {
    long[] shape = x.shape();
    boolean f32 = x.dtype() == DType.FLOAT32;
    int n = (int) shape[0];
    int len = (int) shape[2];
    int c = (int) shape[1];
    MemorySegment gs = dy.hostSegment();
    MemorySegment xs = x.hostSegment();
    MemorySegment dxs = dx == null ? null : dx.hostSegment();
    forEachChannel(
        "batchNorm backward",
        c,
        new View[] {x, dy, mean, var, weight, dx, dweight, dbias},
        ch -> {
          double mu = get(mean, ch);
          double r = 1 / Math.sqrt(get(var, ch) + eps);
          double w = weight == null ? 1 : get(weight, ch);
          double s1 = 0;
          double s2 = 0;
          double[] pair = new double[2];
          if (stats || dweight != null || dbias != null) {
            for (int i = 0; i < n; i++) {
              long off = ((long) i * c + ch) * len;
              if (f32) {
                sumsF32(xs, x.offset() + off, gs, dy.offset() + off, len, (float) mu, pair);
              } else {
                pair[0] = 0;
                pair[1] = 0;
                addSums(false, xs, x.offset() + off, gs, dy.offset() + off, 0, len, mu, pair);
              }
              s1 += pair[0];
              s2 += pair[1];
            }
          }
          if (dbias != null) {
            put(dbias, ch, s1);
          }
          if (dweight != null) {
            put(dweight, ch, s2 * r);
          }
          if (dxs == null) {
            return;
          }
          double m = (double) n * len;
          double a = w * r;
          double b = stats ? -w * r * r * r * s2 / m : 0;
          double k = stats ? -a * s1 / m - b * mu : 0;
          for (int i = 0; i < n; i++) {
            long off = ((long) i * c + ch) * len;
            long xa = x.offset() + off;
            long ga = dy.offset() + off;
            long da = dx.offset() + off;
            if (f32) {
              gradF32(xs, xa, gs, ga, dxs, da, len, (float) a, (float) b, (float) k);
            } else {
              for (int j = 0; j < len; j++) {
                dxs.setAtIndex(
                    DOUBLE,
                    da + j,
                    a * gs.getAtIndex(DOUBLE, ga + j) + b * xs.getAtIndex(DOUBLE, xa + j) + k);
              }
            }
          }
        });
  }

  // ------------------------------------------------------------------ runs

  private static FloatVector load(MemorySegment s, long elem) {
    return FloatVector.fromMemorySegment(F, s, elem << 2, NATIVE);
  }

  private static double sumF32(MemorySegment s, long at, int len) {
    int bound = len - len % L;
    FloatVector acc = FloatVector.zero(F);
    int k = 0;
    for (; k < bound; k += L) {
      acc = acc.add(load(s, at + k));
    }
    double sum = acc.reduceLanes(VectorOperators.ADD);
    for (; k < len; k++) {
      sum += s.getAtIndex(FLOAT, at + k);
    }
    return sum;
  }

  private static double squaresF32(MemorySegment s, long at, int len, float mu) {
    int bound = len - len % L;
    FloatVector m = FloatVector.broadcast(F, mu);
    FloatVector acc = FloatVector.zero(F);
    int k = 0;
    for (; k < bound; k += L) {
      FloatVector d = load(s, at + k).sub(m);
      acc = d.fma(d, acc);
    }
    double sum = acc.reduceLanes(VectorOperators.ADD);
    for (; k < len; k++) {
      double d = s.getAtIndex(FLOAT, at + k) - mu;
      sum += d * d;
    }
    return sum;
  }

  private static double sumF64(MemorySegment s, long at, int len) {
    double sum = 0;
    for (int k = 0; k < len; k++) {
      sum += s.getAtIndex(DOUBLE, at + k);
    }
    return sum;
  }

  private static double squaresF64(MemorySegment s, long at, int len, double mu) {
    double sum = 0;
    for (int k = 0; k < len; k++) {
      double d = s.getAtIndex(DOUBLE, at + k) - mu;
      sum += d * d;
    }
    return sum;
  }

  private static void affineF32(
      MemorySegment x, long xa, MemorySegment y, long ya, int len, float scale, float shift) {
    int bound = len - len % L;
    FloatVector sc = FloatVector.broadcast(F, scale);
    FloatVector sh = FloatVector.broadcast(F, shift);
    int k = 0;
    for (; k < bound; k += L) {
      load(x, xa + k).fma(sc, sh).intoMemorySegment(y, (ya + k) << 2, NATIVE);
    }
    for (; k < len; k++) {
      y.setAtIndex(FLOAT, ya + k, Math.fma(x.getAtIndex(FLOAT, xa + k), scale, shift));
    }
  }

  /** pair = (Σ dy, Σ dy·(x - mu)) over one run. */
  private static void sumsF32(
      MemorySegment x, long xa, MemorySegment g, long ga, int len, float mu, double[] pair) {
    int bound = len - len % L;
    FloatVector m = FloatVector.broadcast(F, mu);
    FloatVector a1 = FloatVector.zero(F);
    FloatVector a2 = FloatVector.zero(F);
    int k = 0;
    for (; k < bound; k += L) {
      FloatVector gv = load(g, ga + k);
      a1 = a1.add(gv);
      a2 = gv.fma(load(x, xa + k).sub(m), a2);
    }
    pair[0] = a1.reduceLanes(VectorOperators.ADD);
    pair[1] = a2.reduceLanes(VectorOperators.ADD);
    addSums(true, x, xa, g, ga, k, len, mu, pair);
  }

  /** pair += (Σ dy, Σ dy·(x - mu)) over elements [from, len) of one run, float32 or float64. */
  private static void addSums(
      boolean f32,
      MemorySegment x,
      long xa,
      MemorySegment g,
      long ga,
      int from,
      int len,
      double mu,
      double[] pair) {
    for (int k = from; k < len; k++) {
      double gk = f32 ? g.getAtIndex(FLOAT, ga + k) : g.getAtIndex(DOUBLE, ga + k);
      double xk = f32 ? x.getAtIndex(FLOAT, xa + k) : x.getAtIndex(DOUBLE, xa + k);
      pair[0] += gk;
      pair[1] += gk * (xk - mu);
    }
  }

  /** dx = a·dy + b·x + k over one run. */
  private static void gradF32(
      MemorySegment x,
      long xa,
      MemorySegment g,
      long ga,
      MemorySegment d,
      long da,
      int len,
      float a,
      float b,
      float k) {
    int bound = len - len % L;
    FloatVector av = FloatVector.broadcast(F, a);
    FloatVector bv = FloatVector.broadcast(F, b);
    FloatVector kv = FloatVector.broadcast(F, k);
    int j = 0;
    for (; j < bound; j += L) {
      load(g, ga + j)
          .fma(av, load(x, xa + j).fma(bv, kv))
          .intoMemorySegment(d, (da + j) << 2, NATIVE);
    }
    for (; j < len; j++) {
      d.setAtIndex(
          FLOAT, da + j, a * g.getAtIndex(FLOAT, ga + j) + b * x.getAtIndex(FLOAT, xa + j) + k);
    }
  }

  // ------------------------------------------------------------------ per-channel values

  private static double get(View v, int ch) {
    MemorySegment s = v.hostSegment();
    long at = v.offset() + ch;
    return v.dtype() == DType.FLOAT32 ? s.getAtIndex(FLOAT, at) : s.getAtIndex(DOUBLE, at);
  }

  private static void put(View v, int ch, double value) {
    MemorySegment s = v.hostSegment();
    long at = v.offset() + ch;
    if (v.dtype() == DType.FLOAT32) {
      s.setAtIndex(FLOAT, at, (float) value);
    } else {
      s.setAtIndex(DOUBLE, at, value);
    }
  }
}
