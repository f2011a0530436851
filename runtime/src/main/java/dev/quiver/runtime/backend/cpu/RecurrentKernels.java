package dev.quiver.runtime.backend.cpu;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.backend.View;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The elementwise part of an LSTM step in one pass over the batch (the four gate nonlinearities,
 * the cell update, the masked carry) and its gradient in one pass: what the composed step does in
 * about thirteen tensor ops and as many temporaries each way. See {@code Backend.lstmCell}.
 *
 * <p>Operands are matrices [rows, k] with a unit column stride and any row stride (time steps
 * sliced out of [batch, seq, k] buffers without copies); the mask is a vector [rows]. float32 takes
 * the Vector API; float64 (what {@code GradCheck} runs) a scalar path that computes in double and
 * is also float32's tail.
 */
final class RecurrentKernels {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

  private RecurrentKernels() {}

  /** Rows of unit column stride, all of one floating type; the mask a vector of that type. */
  private static boolean fits(View mask, View... rows) {
    DType t = rows[0].dtype();
    if (t != DType.FLOAT32 && t != DType.FLOAT64) {
      return false;
    }
    for (View v : rows) {
      if (v.dtype() != t || v.dim() != 2 || (v.shape()[1] > 1 && v.strides()[1] != 1)) {
        return false;
      }
    }
    return mask == null || (mask.dtype() == t && mask.dim() == 1);
  }

  private static long row(View v, long r) {
    return v.offset() + r * v.strides()[0];
  }

  private static double maskAt(View mask, long r) {
    return mask == null
        ? 1
        : ElementwiseKernels.read(
            mask.hostSegment(), mask.dtype(), mask.offset() + r * mask.strides()[0]);
  }

  /**
   * z = xw + hh [rows, 4H] in torch's gate order i, f, g, o; gates = (σ(z_i), σ(z_f), tanh(z_g),
   * σ(z_o)); c' = f·cPrev + i·g, h' = o·tanh(c'); c = cPrev + m·(c' - cPrev), h likewise (m = 1
   * without a mask: c = c', h = h').
   */
  static boolean forward(
      View xw, View hh, View hPrev, View cPrev, View mask, View gates, View h, View c) {
    if (!fits(mask, xw, hh, hPrev, cPrev, gates, h, c)) {
      return false;
    }
    long rows = h.shape()[0];
    int hidden = Math.toIntExact(h.shape()[1]);
    boolean f32 = h.dtype() == DType.FLOAT32;
    int bound = f32 ? hidden - hidden % L : 0;
    for (long r = 0; r < rows; r++) {
      double m = maskAt(mask, r);
      long xo = row(xw, r);
      long zo = row(hh, r);
      long hpo = row(hPrev, r);
      long cpo = row(cPrev, r);
      long go = row(gates, r);
      long ho = row(h, r);
      long co = row(c, r);
      if (f32) {
        forwardF32(
            xw, xo, hh, zo, hPrev, hpo, cPrev, cpo, gates, go, h, ho, c, co, m, hidden, bound);
      }
      forwardScalar(
          xw, xo, hh, zo, hPrev, hpo, cPrev, cpo, gates, go, h, ho, c, co, m, hidden, bound);
    }
    return true;
  }

  private static FloatVector load(MemorySegment s, long elem) {
    return FloatVector.fromMemorySegment(F, s, elem << 2, NATIVE);
  }

  private static void store(FloatVector v, MemorySegment s, long elem) {
    v.intoMemorySegment(s, elem << 2, NATIVE);
  }

  private static FloatVector sigmoid(FloatVector z, FloatVector one) {
    return one.div(one.add(z.neg().lanewise(VectorOperators.EXP)));
  }

  @SuppressWarnings("ParameterNumber")
  private static void forwardF32(
      View xw,
      long xo,
      View hh,
      long zo,
      View hPrev,
      long hpo,
      View cPrev,
      long cpo,
      View gates,
      long go,
      View h,
      long ho,
      View c,
      long co,
      double m,
      int hidden,
      int bound) {
    MemorySegment xs = xw.hostSegment();
    MemorySegment zs = hh.hostSegment();
    MemorySegment hps = hPrev.hostSegment();
    MemorySegment cps = cPrev.hostSegment();
    MemorySegment gs = gates.hostSegment();
    MemorySegment hs = h.hostSegment();
    MemorySegment cs = c.hostSegment();
    FloatVector one = FloatVector.broadcast(F, 1f);
    FloatVector vm = FloatVector.broadcast(F, (float) m);
    long h1 = hidden;
    long h2 = 2L * hidden;
    long h3 = 3L * hidden;
    for (int j = 0; j < bound; j += L) {
      FloatVector i = sigmoid(load(xs, xo + j).add(load(zs, zo + j)), one);
      FloatVector f = sigmoid(load(xs, xo + h1 + j).add(load(zs, zo + h1 + j)), one);
      FloatVector g =
          load(xs, xo + h2 + j).add(load(zs, zo + h2 + j)).lanewise(VectorOperators.TANH);
      FloatVector o = sigmoid(load(xs, xo + h3 + j).add(load(zs, zo + h3 + j)), one);
      store(i, gs, go + j);
      store(f, gs, go + h1 + j);
      store(g, gs, go + h2 + j);
      store(o, gs, go + h3 + j);
      FloatVector cp = load(cps, cpo + j);
      FloatVector cn = f.mul(cp).add(i.mul(g));
      FloatVector hn = o.mul(cn.lanewise(VectorOperators.TANH));
      if (m == 1) {
        store(cn, cs, co + j);
        store(hn, hs, ho + j);
      } else {
        FloatVector hp = load(hps, hpo + j);
        store(cp.add(cn.sub(cp).mul(vm)), cs, co + j);
        store(hp.add(hn.sub(hp).mul(vm)), hs, ho + j);
      }
    }
  }

  private static double sigmoid(double z) {
    return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
  }

  @SuppressWarnings("ParameterNumber")
  private static void forwardScalar(
      View xw,
      long xo,
      View hh,
      long zo,
      View hPrev,
      long hpo,
      View cPrev,
      long cpo,
      View gates,
      long go,
      View h,
      long ho,
      View c,
      long co,
      double m,
      int hidden,
      int from) {
    DType t = h.dtype();
    MemorySegment xs = xw.hostSegment();
    MemorySegment zs = hh.hostSegment();
    MemorySegment gs = gates.hostSegment();
    for (int j = from; j < hidden; j++) {
      double[] gate = new double[4];
      for (int q = 0; q < 4; q++) {
        long k = (long) q * hidden + j;
        double z = ElementwiseKernels.read(xs, t, xo + k) + ElementwiseKernels.read(zs, t, zo + k);
        gate[q] = q == 2 ? Math.tanh(z) : sigmoid(z);
        ElementwiseKernels.write(gs, t, go + k, gate[q]);
      }
      double cp = ElementwiseKernels.read(cPrev.hostSegment(), t, cpo + j);
      double hp = ElementwiseKernels.read(hPrev.hostSegment(), t, hpo + j);
      double cn = gate[1] * cp + gate[0] * gate[2];
      double hn = gate[3] * Math.tanh(cn);
      ElementwiseKernels.write(c.hostSegment(), t, co + j, m == 1 ? cn : cp + (cn - cp) * m);
      ElementwiseKernels.write(h.hostSegment(), t, ho + j, m == 1 ? hn : hp + (hn - hp) * m);
    }
  }

  /**
   * The gradient of {@link #forward} for one step. In: the step's gates and cPrev, the mask, gH and
   * gC (the gradients that reach this step's h and c from outside the recurrence), dh and dc (those
   * from the next step). Out: dz [rows, 4H] (the gradient of xw, and of hh), dc overwritten with
   * the gradient of cPrev, dh overwritten with the part of hPrev's gradient that goes around the
   * cell ((1 - m)·dh: zero without a mask); the caller adds dz·W_hh.
   */
  static boolean backward(
      View gates, View cPrev, View mask, View gH, View gC, View dh, View dc, View dz) {
    if (!fits(mask, gates, cPrev, gH, gC, dh, dc, dz)) {
      return false;
    }
    long rows = dh.shape()[0];
    int hidden = Math.toIntExact(dh.shape()[1]);
    boolean f32 = dh.dtype() == DType.FLOAT32;
    int bound = f32 ? hidden - hidden % L : 0;
    for (long r = 0; r < rows; r++) {
      double m = maskAt(mask, r);
      long[] o = {
        row(gates, r), row(cPrev, r), row(gH, r), row(gC, r), row(dh, r), row(dc, r), row(dz, r)
      };
      if (f32) {
        backwardF32(gates, cPrev, gH, gC, dh, dc, dz, o, m, hidden, bound);
      }
      backwardScalar(gates, cPrev, gH, gC, dh, dc, dz, o, m, hidden, bound);
    }
    return true;
  }

  private static void backwardF32(
      View gates,
      View cPrev,
      View gH,
      View gC,
      View dh,
      View dc,
      View dz,
      long[] o,
      double m,
      int hidden,
      int bound) {
    MemorySegment gs = gates.hostSegment();
    MemorySegment cps = cPrev.hostSegment();
    MemorySegment ghs = gH.hostSegment();
    MemorySegment gcs = gC.hostSegment();
    MemorySegment dhs = dh.hostSegment();
    MemorySegment dcs = dc.hostSegment();
    MemorySegment dzs = dz.hostSegment();
    FloatVector one = FloatVector.broadcast(F, 1f);
    FloatVector vm = FloatVector.broadcast(F, (float) m);
    FloatVector skip = FloatVector.broadcast(F, (float) (1 - m));
    long h1 = hidden;
    long h2 = 2L * hidden;
    long h3 = 3L * hidden;
    for (int j = 0; j < bound; j += L) {
      FloatVector i = load(gs, o[0] + j);
      FloatVector f = load(gs, o[0] + h1 + j);
      FloatVector g = load(gs, o[0] + h2 + j);
      FloatVector og = load(gs, o[0] + h3 + j);
      FloatVector cp = load(cps, o[1] + j);
      FloatVector tc = f.mul(cp).add(i.mul(g)).lanewise(VectorOperators.TANH);
      FloatVector dhT = load(ghs, o[2] + j).add(load(dhs, o[4] + j));
      FloatVector dcT = load(gcs, o[3] + j).add(load(dcs, o[5] + j));
      FloatVector dhn = dhT.mul(vm);
      FloatVector dcn = dcT.mul(vm).add(dhn.mul(og).mul(one.sub(tc.mul(tc))));
      store(dcn.mul(g).mul(i).mul(one.sub(i)), dzs, o[6] + j);
      store(dcn.mul(cp).mul(f).mul(one.sub(f)), dzs, o[6] + h1 + j);
      store(dcn.mul(i).mul(one.sub(g.mul(g))), dzs, o[6] + h2 + j);
      store(dhn.mul(tc).mul(og).mul(one.sub(og)), dzs, o[6] + h3 + j);
      store(dcn.mul(f).add(dcT.mul(skip)), dcs, o[5] + j);
      store(dhT.mul(skip), dhs, o[4] + j);
    }
  }

  private static void backwardScalar(
      View gates,
      View cPrev,
      View gH,
      View gC,
      View dh,
      View dc,
      View dz,
      long[] o,
      double m,
      int hidden,
      int from) {
    DType t = dh.dtype();
    MemorySegment gs = gates.hostSegment();
    MemorySegment dzs = dz.hostSegment();
    for (int j = from; j < hidden; j++) {
      double i = ElementwiseKernels.read(gs, t, o[0] + j);
      double f = ElementwiseKernels.read(gs, t, o[0] + hidden + j);
      double g = ElementwiseKernels.read(gs, t, o[0] + 2L * hidden + j);
      double og = ElementwiseKernels.read(gs, t, o[0] + 3L * hidden + j);
      double cp = ElementwiseKernels.read(cPrev.hostSegment(), t, o[1] + j);
      double tc = Math.tanh(f * cp + i * g);
      double dhT =
          ElementwiseKernels.read(gH.hostSegment(), t, o[2] + j)
              + ElementwiseKernels.read(dh.hostSegment(), t, o[4] + j);
      double dcT =
          ElementwiseKernels.read(gC.hostSegment(), t, o[3] + j)
              + ElementwiseKernels.read(dc.hostSegment(), t, o[5] + j);
      double dhn = dhT * m;
      double dcn = dcT * m + dhn * og * (1 - tc * tc);
      ElementwiseKernels.write(dzs, t, o[6] + j, dcn * g * i * (1 - i));
      ElementwiseKernels.write(dzs, t, o[6] + hidden + j, dcn * cp * f * (1 - f));
      ElementwiseKernels.write(dzs, t, o[6] + 2L * hidden + j, dcn * i * (1 - g * g));
      ElementwiseKernels.write(dzs, t, o[6] + 3L * hidden + j, dhn * tc * og * (1 - og));
      ElementwiseKernels.write(dc.hostSegment(), t, o[5] + j, dcn * f + dcT * (1 - m));
      ElementwiseKernels.write(dh.hostSegment(), t, o[4] + j, dhT * (1 - m));
    }
  }
}
