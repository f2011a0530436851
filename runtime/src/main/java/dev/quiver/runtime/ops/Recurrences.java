package dev.quiver.runtime.ops;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import dev.quiver.runtime.backend.Backend;
import dev.quiver.runtime.backend.Backends;
import dev.quiver.runtime.backend.View;
import dev.quiver.runtime.math.ElementwiseMath.BinaryOp;
import java.util.Arrays;

/**
 * An LSTM over a whole sequence as one op, with backpropagation through time beside it: per step
 * one matrix product for all four gates ({@code h·W_hhᵀ}) and the backend's fused cell kernel
 * ({@link Backend#lstmCell}); backward, per step the fused gradient kernel and one product for
 * {@code h}'s gradient, then {@code W_hh}'s gradient for all steps in one product. The composed
 * step (thirteen tensor ops and their autodiff nodes per step, and a gradient of the full input
 * projection per step from slicing it) is what the recurrent layer falls back on, and the reference
 * the tests compare this op with.
 */
public final class Recurrences {
  private Recurrences() {}

  /**
   * The states of an LSTM direction over a sequence: {@code xw} [batch, seq, 4·hidden] is the input
   * projection of every step with its biases ({@code x_t·W_ihᵀ + b_ih + b_hh}), {@code whh} is
   * {@code W_hh} [4·hidden, hidden] (gates i, f, g, o), {@code h0} and {@code c0} [batch, hidden]
   * the initial state, {@code mask} [batch, seq] of 1 (real step) and 0 (padding: the state is
   * carried through unchanged) or null, {@code reverse} runs from the last step to the first.
   *
   * @return [2, batch, seq, hidden]: the hidden state and the cell state after every step, or null
   *     when the device's backend has no fused LSTM kernel for these operands (the caller then
   *     composes the steps)
   */
  public static Tensor lstm(
      Tensor xw, Tensor whh, Tensor h0, Tensor c0, Tensor mask, boolean reverse) {
    long n = xw.size(0);
    long len = xw.size(1);
    long hidden = whh.size(1);
    check(xw, whh, h0, c0, mask, n, len, hidden);
    Backend be = Backends.of(xw.device());
    DType dt = xw.dtype();
    Tensor x = xw.contiguous();
    Tensor m = mask == null ? null : mask.contiguous();
    Tensor h0c = h0.contiguous();
    Tensor c0c = c0.contiguous();
    Tensor states = Tensor.empty(xw.device(), dt, 2, n, len, hidden);
    Tensor gates = Tensor.empty(xw.device(), dt, n, len, 4 * hidden);
    View mv = m == null ? null : m.view();
    boolean whole =
        be.lstmSequence(
            x.view(), whh.view(), h0c.view(), c0c.view(), mv, reverse, gates.view(), states.view());
    if (!whole && !steps(be, x, whh, h0c, c0c, m, reverse, gates, states)) {
      return null;
    }
    if (!Autograd.needsGrad(xw, whh, h0, c0)) {
      return states;
    }
    return Autograd.record(
        states,
        "lstm",
        g -> backward(g, states, gates, whh, h0c, c0c, m, reverse),
        xw,
        whh,
        h0,
        c0);
  }

  /** The forward step by step: one product and one {@link Backend#lstmCell} per step. */
  private static boolean steps(
      Backend be,
      Tensor x,
      Tensor whh,
      Tensor h0,
      Tensor c0,
      Tensor m,
      boolean reverse,
      Tensor gates,
      Tensor states) {
    long n = x.size(0);
    long len = x.size(1);
    long hidden = whh.size(1);
    DType dt = x.dtype();
    Tensor hh = Tensor.empty(x.device(), dt, n, 4 * hidden);
    // W_hhᵀ copied row-major once: the per-step products then pack it with vector loads.
    Tensor whhT = Tensor.empty(x.device(), dt, hidden, 4 * hidden);
    be.copy(transposed(whh.view()), whhT.view());
    for (long k = 0; k < len; k++) {
      long t = reverse ? len - 1 - k : k;
      long prev = reverse ? t + 1 : t - 1;
      View hPrev = k == 0 ? h0.view() : step(states.view(), 0, prev);
      View cPrev = k == 0 ? c0.view() : step(states.view(), 1, prev);
      be.matmul(hPrev, whhT.view(), hh.view());
      boolean done =
          be.lstmCell(
              step(x.view(), t),
              hh.view(),
              hPrev,
              cPrev,
              m == null ? null : column(m.view(), t),
              step(gates.view(), t),
              step(states.view(), 0, t),
              step(states.view(), 1, t));
      if (!done) {
        return false; // the first step already: nothing is written before a backend says no
      }
    }
    return true;
  }

  private static Tensor[] backward(
      Tensor g,
      Tensor states,
      Tensor gates,
      Tensor whh,
      Tensor h0,
      Tensor c0,
      Tensor m,
      boolean reverse) {
    Backend be = Backends.of(g.device());
    long[] s = states.shape();
    long n = s[1];
    long len = s[2];
    long hidden = s[3];
    DType dt = g.dtype();
    Tensor gc = g.contiguous();
    Tensor gx = Tensor.empty(g.device(), dt, n, len, 4 * hidden);
    Tensor dh = Tensor.empty(g.device(), dt, n, hidden);
    Tensor dc = Tensor.empty(g.device(), dt, n, hidden);
    View mv = m == null ? null : m.view();
    boolean whole =
        be.lstmSequenceBackward(
            gates.view(),
            states.view(),
            whh.view(),
            c0.view(),
            mv,
            reverse,
            gc.view(),
            gx.view(),
            dh.view(),
            dc.view());
    if (!whole) {
      stepsBack(be, gates, states, whh, c0, m, reverse, gc, gx, dh, dc);
    }
    // dW_hh = Σ_t dz_tᵀ·h_{t-1}: every step in one product, [4H, batch·seq] x [batch·seq, H].
    Tensor hPrev = Tensor.empty(g.device(), dt, n, len, hidden);
    View hs = states.view();
    View hp = hPrev.view();
    long first = reverse ? len - 1 : 0;
    be.copy(h0.view(), step(hp, first));
    if (len > 1) {
      long[] shape = {n, len - 1, hidden};
      long[] st = {len * hidden, hidden, 1};
      long from = reverse ? hidden : 0; // h_t feeds step t+1 forward, step t-1 backward
      long to = reverse ? 0 : hidden;
      be.copy(
          hs.withLayout(shape, st, hs.offset() + from), hp.withLayout(shape, st, hp.offset() + to));
    }
    Tensor gw = Tensor.empty(g.device(), dt, 4 * hidden, hidden);
    View gxv = gx.view();
    View gxAll =
        gxv.withLayout(new long[] {4 * hidden, n * len}, new long[] {1, 4 * hidden}, gxv.offset());
    View hpAll = hp.withLayout(new long[] {n * len, hidden}, new long[] {hidden, 1}, hp.offset());
    be.matmul(gxAll, hpAll, gw.view());
    return new Tensor[] {gx, gw, dh, dc};
  }

  /** The backward step by step: one {@link Backend#lstmCellBackward} and one product per step. */
  private static void stepsBack(
      Backend be,
      Tensor gates,
      Tensor states,
      Tensor whh,
      Tensor c0,
      Tensor m,
      boolean reverse,
      Tensor gc,
      Tensor gx,
      Tensor dh,
      Tensor dc) {
    long n = gx.size(0);
    long len = gx.size(1);
    long hidden = dh.size(1);
    be.fill(dh.view(), 0);
    be.fill(dc.view(), 0);
    Tensor around = m == null ? null : Tensor.empty(gx.device(), gx.dtype(), n, hidden);
    View w = whh.contiguous().view();
    for (long k = len - 1; k >= 0; k--) {
      long t = reverse ? len - 1 - k : k;
      long prev = reverse ? t + 1 : t - 1;
      View cPrev = k == 0 ? c0.view() : step(states.view(), 1, prev);
      View dz = step(gx.view(), t);
      boolean done =
          be.lstmCellBackward(
              step(gates.view(), t),
              cPrev,
              m == null ? null : column(m.view(), t),
              step(gc.view(), 0, t),
              step(gc.view(), 1, t),
              dh.view(),
              dc.view(),
              dz);
      if (!done) {
        throw new IllegalStateException(
            "lstm backward: the "
                + gx.device()
                + " backend ran the forward kernel but not this one");
      }
      if (around == null) {
        be.matmul(dz, w, dh.view()); // without a mask nothing bypasses the cell
      } else {
        be.copy(dh.view(), around.view());
        be.matmul(dz, w, dh.view());
        be.binary(BinaryOp.ADD, dh.view(), around.view(), dh.view());
      }
    }
  }

  /** Step t of a dense [batch, seq, k] view: [batch, k], rows seq·k apart. */
  private static View step(View v, long t) {
    long[] s = v.shape();
    return v.withLayout(
        new long[] {s[0], s[2]}, new long[] {s[1] * s[2], 1}, v.offset() + t * s[2]);
  }

  /** Step t of part p of a dense [2, batch, seq, k] view. */
  private static View step(View v, int p, long t) {
    long[] s = v.shape();
    return v.withLayout(
        new long[] {s[1], s[3]},
        new long[] {s[2] * s[3], 1},
        v.offset() + p * s[1] * s[2] * s[3] + t * s[3]);
  }

  /** Column t of a dense [batch, seq] view: [batch]. */
  private static View column(View v, long t) {
    long[] s = v.shape();
    return v.withLayout(new long[] {s[0]}, new long[] {s[1]}, v.offset() + t);
  }

  private static View transposed(View v) {
    long[] s = v.shape();
    long[] st = v.strides();
    return v.withLayout(new long[] {s[1], s[0]}, new long[] {st[1], st[0]}, v.offset());
  }

  private static void check(
      Tensor xw, Tensor whh, Tensor h0, Tensor c0, Tensor mask, long n, long len, long hidden) {
    String why = null;
    if (xw.dim() != 3 || whh.dim() != 2 || xw.size(2) != whh.size(0) || whh.size(0) != 4 * hidden) {
      why = "xw must be [batch, seq, 4·hidden] and whh [4·hidden, hidden]";
    } else if (!Arrays.equals(h0.shape(), new long[] {n, hidden})
        || !Arrays.equals(c0.shape(), new long[] {n, hidden})) {
      why = "h0 and c0 must be [batch, hidden] = [" + n + ", " + hidden + "]";
    } else if (mask != null && !Arrays.equals(mask.shape(), new long[] {n, len})) {
      why = "the mask must be [batch, seq] = [" + n + ", " + len + "]";
    } else {
      for (Tensor t :
          mask == null ? new Tensor[] {whh, h0, c0} : new Tensor[] {whh, h0, c0, mask}) {
        if (t.dtype() != xw.dtype() || !t.device().equals(xw.device())) {
          why =
              "every operand must have xw's type and device, " + xw.dtype() + " on " + xw.device();
        }
      }
    }
    if (why != null) {
      throw new IllegalArgumentException(
          "lstm: "
              + why
              + "; got xw "
              + xw.shapeString()
              + ", whh "
              + whh.shapeString()
              + ", h0 "
              + h0.shapeString()
              + ", c0 "
              + c0.shapeString()
              + (mask == null ? "" : ", mask " + mask.shapeString()));
    }
  }
}
