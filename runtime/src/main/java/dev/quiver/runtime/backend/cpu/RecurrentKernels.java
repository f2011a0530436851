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
    return v.offset() + r * v.stride(0);
  }

  private static double maskAt(View mask, long r) {
    return mask == null
        ? 1
        : ElementwiseKernels.read(
            mask.hostSegment(), mask.dtype(), mask.offset() + r * mask.stride(0));
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
    MemorySegment[] s = segments(xw, hh, hPrev, cPrev, gates, h, c);
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
        forwardF32(s, xo, zo, hpo, cpo, go, ho, co, (float) m, hidden, bound);
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

  /**
   * The vector part of one row: each gate's activation in its own loop, then the state update.
   * Small methods on purpose: in one method the inlined vector operations passed C2's node budget
   * (NodeCountInliningCutoff), the last loads and stores were left as calls, and every vector
   * crossing them was boxed, gigabytes of garbage per second. No vector crosses a method here.
   */
  /** The segments of views, in order, fetched once per call rather than once per row. */
  private static MemorySegment[] segments(View... views) {
    MemorySegment[] s = new MemorySegment[views.length];
    for (int i = 0; i < views.length; i++) {
      s[i] = views[i].hostSegment();
    }
    return s;
  }

  /** s: the segments of xw, hh, hPrev, cPrev, gates, h, c; then each one's row offset. */
  private static void forwardF32(
      MemorySegment[] s,
      long xo,
      long zo,
      long hpo,
      long cpo,
      long go,
      long ho,
      long co,
      float m,
      int hidden,
      int bound) {
    for (int q = 0; q < 4; q++) {
      long at = (long) q * hidden;
      activate(s[0], xo + at, s[1], zo + at, s[4], go + at, bound, q == 2);
    }
    update(s[4], go, hidden, s[3], cpo, s[2], hpo, s[6], co, s[5], ho, m, bound);
  }

  /** gates[j] = σ(x[j] + z[j]), or tanh, for j in [0, bound). */
  private static void activate(
      MemorySegment xs,
      long xo,
      MemorySegment zs,
      long zo,
      MemorySegment gs,
      long go,
      int bound,
      boolean tanh) {
    FloatVector one = FloatVector.broadcast(F, 1f);
    for (int j = 0; j < bound; j += L) {
      FloatVector z = load(xs, xo + j).add(load(zs, zo + j));
      store(tanh ? z.lanewise(VectorOperators.TANH) : sigmoid(z, one), gs, go + j);
    }
  }

  /** c' = f·cPrev + i·g, h' = o·tanh(c'), carried through the mask, for j in [0, bound). */
  private static void update(
      MemorySegment gs,
      long go,
      long hidden,
      MemorySegment cps,
      long cpo,
      MemorySegment hps,
      long hpo,
      MemorySegment cs,
      long co,
      MemorySegment hs,
      long ho,
      float m,
      int bound) {
    FloatVector vm = FloatVector.broadcast(F, m);
    for (int j = 0; j < bound; j += L) {
      FloatVector i = load(gs, go + j);
      FloatVector f = load(gs, go + hidden + j);
      FloatVector g = load(gs, go + 2 * hidden + j);
      FloatVector o = load(gs, go + 3 * hidden + j);
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
    MemorySegment[] s = segments(gates, cPrev, gH, gC, dh, dc, dz);
    View[] views = {gates, cPrev, gH, gC, dh, dc, dz};
    long[] o = new long[views.length];
    for (long r = 0; r < rows; r++) {
      double m = maskAt(mask, r);
      for (int i = 0; i < o.length; i++) {
        o[i] = row(views[i], r);
      }
      if (f32) {
        backHead(s, o, hidden, (float) m, bound);
        backGates(s[0], o[0], hidden, s[1], o[1], s[6], o[6], bound);
      }
      backwardScalar(gates, cPrev, gH, gC, dh, dc, dz, o, m, hidden, bound);
    }
    return true;
  }

  /**
   * The vector part of one row's gradient, in two small loops for the reason given at {@link
   * #forwardF32}: this one finds the gradient reaching the new cell state (kept for {@link
   * #backGates} in dz's g slot), dz for the output gate, and the new dh and dc. s: the segments of
   * gates, cPrev, gH, gC, dh, dc, dz; o: each one's row offset.
   */
  private static void backHead(MemorySegment[] s, long[] o, long hidden, float m, int bound) {
    MemorySegment gs = s[0];
    MemorySegment cps = s[1];
    MemorySegment ghs = s[2];
    MemorySegment gcs = s[3];
    MemorySegment dhs = s[4];
    MemorySegment dcs = s[5];
    MemorySegment dzs = s[6];
    long go = o[0];
    long cpo = o[1];
    long gho = o[2];
    long gco = o[3];
    long dho = o[4];
    long dco = o[5];
    long dzo = o[6];
    FloatVector one = FloatVector.broadcast(F, 1f);
    FloatVector vm = FloatVector.broadcast(F, m);
    FloatVector skip = FloatVector.broadcast(F, 1 - m);
    for (int j = 0; j < bound; j += L) {
      FloatVector i = load(gs, go + j);
      FloatVector f = load(gs, go + hidden + j);
      FloatVector g = load(gs, go + 2 * hidden + j);
      FloatVector og = load(gs, go + 3 * hidden + j);
      FloatVector tc = f.mul(load(cps, cpo + j)).add(i.mul(g)).lanewise(VectorOperators.TANH);
      FloatVector dhT = load(ghs, gho + j).add(load(dhs, dho + j));
      FloatVector dcT = load(gcs, gco + j).add(load(dcs, dco + j));
      FloatVector dhn = dhT.mul(vm);
      FloatVector dcn = dcT.mul(vm).add(dhn.mul(og).mul(one.sub(tc.mul(tc))));
      store(dcn, dzs, dzo + 2 * hidden + j);
      store(dhn.mul(tc).mul(og).mul(one.sub(og)), dzs, dzo + 3 * hidden + j);
      store(dcn.mul(f).add(dcT.mul(skip)), dcs, dco + j);
      store(dhT.mul(skip), dhs, dho + j);
    }
  }

  /** dz for gates i, f, g from the gradient of the new cell state left in dz's g slot. */
  private static void backGates(
      MemorySegment gs,
      long go,
      long hidden,
      MemorySegment cps,
      long cpo,
      MemorySegment dzs,
      long dzo,
      int bound) {
    FloatVector one = FloatVector.broadcast(F, 1f);
    for (int j = 0; j < bound; j += L) {
      FloatVector i = load(gs, go + j);
      FloatVector f = load(gs, go + hidden + j);
      FloatVector g = load(gs, go + 2 * hidden + j);
      FloatVector dcn = load(dzs, dzo + 2 * hidden + j);
      store(dcn.mul(g).mul(i).mul(one.sub(i)), dzs, dzo + j);
      store(dcn.mul(load(cps, cpo + j)).mul(f).mul(one.sub(f)), dzs, dzo + hidden + j);
      store(dcn.mul(i).mul(one.sub(g.mul(g))), dzs, dzo + 2 * hidden + j);
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
