package dev.quiver.runtime.ops;

import dev.quiver.runtime.ConvOptions;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import dev.quiver.runtime.backend.Backend;
import dev.quiver.runtime.backend.Backends;
import dev.quiver.runtime.backend.ConvGeometry;

/**
 * Convolutions in torch.nn.functional's layout (NCHW input, weight {@code [out, in / groups, kh,
 * kw]}): conv2d, conv1d (a conv2d of height 1) and convTranspose2d (conv2d's adjoint: its forward
 * is conv2d's input gradient, and its gradients are conv2d and conv2d's weight gradient).
 *
 * <p>Like torch, "convolution" here is cross-correlation: {@code out[n, o, i, j] = Σ_{c, p, q} x[n,
 * c, i·s + p·d - pad, j·s + q·d - pad] · w[o, c, p, q]}. Backward, with {@code dy} the upstream
 * gradient: {@code dx} is the transposed convolution of {@code dy} with the same weight, and {@code
 * dw[o, c, p, q] = Σ_{n, i, j} dy[n, o, i, j] · x[n, c, i·s + p·d - pad, j·s + q·d - pad]}. The
 * bias is added by broadcasting, so its gradient is dy summed over all but the channel axis.
 */
public final class Convolution {
  private Convolution() {}

  public static Tensor conv2d(Tensor x, Tensor w, Tensor bias, ConvOptions o) {
    String op = "conv2d";
    checkOperands(op, x, w, bias, 4, o);
    long[] xs = x.shape();
    long[] ws = w.shape();
    long c = xs[1];
    if (ws[1] * o.groups() != c) {
      throw new IllegalArgumentException(
          op
              + ": input "
              + x.shapeString()
              + " has "
              + c
              + " channels, but weight "
              + w.shapeString()
              + " with groups "
              + o.groups()
              + " expects "
              + ws[1] * o.groups()
              + " (weight is [out, in / groups, kh, kw])");
    }
    checkGroups(op, w, c, ws[0], o);
    checkBias(op, bias, ws[0]);
    if (o.same() && (o.strideH() != 1 || o.strideW() != 1)) {
      throw new IllegalArgumentException(
          op + ": padding \"same\" needs stride 1, got " + o + " (as in torch)");
    }
    int[] h =
        axis(op, "height", x, w, xs[2], ws[2], o.strideH(), o.padH(), o.dilationH(), o.same());
    int[] wd =
        axis(op, "width", x, w, xs[3], ws[3], o.strideW(), o.padW(), o.dilationW(), o.same());
    ConvGeometry g =
        new ConvGeometry(
            (int) xs[0],
            (int) c,
            (int) xs[2],
            (int) xs[3],
            (int) ws[0],
            (int) ws[2],
            (int) ws[3],
            o.strideH(),
            o.strideW(),
            h[0],
            wd[0],
            o.dilationH(),
            o.dilationW(),
            o.groups(),
            h[1],
            wd[1]);
    Tensor xc = x.contiguous();
    Tensor wc = w.contiguous();
    Tensor out =
        Tensor.empty(x.device(), x.dtype(), g.batch(), g.outChannels(), g.outH(), g.outW());
    Backend b = Backends.of(x.device());
    b.conv2d(xc.view(), wc.view(), out.view(), g);
    out =
        Autograd.record(
            out,
            op,
            dy -> {
              Tensor gc = dy.contiguous();
              Tensor gx = null;
              Tensor gw = null;
              if (xc.isGradRequired()) {
                gx = Tensor.empty(xc.device(), xc.dtype(), xc.shape());
                b.conv2dBackwardInput(gc.view(), wc.view(), gx.view(), g);
              }
              if (wc.isGradRequired()) {
                gw = Tensor.empty(wc.device(), wc.dtype(), wc.shape());
                b.conv2dBackwardWeight(xc.view(), gc.view(), gw.view(), g);
              }
              return new Tensor[] {gx, gw};
            },
            xc,
            wc);
    return addBias(out, bias);
  }

  /**
   * A 1-D convolution: x {@code [N, C, L]}, weight {@code [out, C / groups, k]}; the options' width
   * settings apply.
   */
  public static Tensor conv1d(Tensor x, Tensor w, Tensor bias, ConvOptions o) {
    checkRank("conv1d", "input", x, 3, "[N, C, L]");
    checkRank("conv1d", "weight", w, 3, "[out, in / groups, k]");
    try {
      return conv2d(x.unsqueeze(2), w.unsqueeze(2), bias, widthOnly(o)).squeeze(2);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "conv1d: input "
              + x.shapeString()
              + ", weight "
              + w.shapeString()
              + ", "
              + o
              + ": "
              + e.getMessage().replaceFirst("^conv2d: ", ""),
          e);
    }
  }

  /**
   * The transposed convolution (torch's conv_transpose2d): x {@code [N, in, H, W]}, weight {@code
   * [in, out / groups, kh, kw]}, output {@code [N, out, (H - 1)·s - 2·pad + d·(kh - 1) +
   * outputPadding + 1, ...]}. It is the gradient of conv2d with respect to its input, which is why
   * it upsamples.
   */
  public static Tensor convTranspose2d(Tensor x, Tensor w, Tensor bias, ConvOptions o) {
    String op = "convTranspose2d";
    checkOperands(op, x, w, bias, 4, o);
    if (o.same()) {
      throw new IllegalArgumentException(
          op + ": padding \"same\" is not defined here (as in torch)");
    }
    long[] xs = x.shape();
    long[] ws = w.shape();
    if (ws[0] != xs[1]) {
      throw new IllegalArgumentException(
          op
              + ": input "
              + x.shapeString()
              + " has "
              + xs[1]
              + " channels, but weight "
              + w.shapeString()
              + " expects "
              + ws[0]
              + " (weight is [in, out / groups, kh, kw])");
    }
    long outC = ws[1] * o.groups();
    checkGroups(op, w, xs[1], outC, o);
    checkBias(op, bias, outC);
    checkOutputPadding(op, o.outputPadH(), o.strideH(), o.dilationH(), o);
    checkOutputPadding(op, o.outputPadW(), o.strideW(), o.dilationW(), o);
    long oh =
        (xs[2] - 1) * o.strideH()
            - 2L * o.padH()
            + (long) o.dilationH() * (ws[2] - 1)
            + o.outputPadH()
            + 1;
    long ow =
        (xs[3] - 1) * o.strideW()
            - 2L * o.padW()
            + (long) o.dilationW() * (ws[3] - 1)
            + o.outputPadW()
            + 1;
    if (oh < 1 || ow < 1) {
      throw new IllegalArgumentException(
          op
              + ": input "
              + x.shapeString()
              + ", weight "
              + w.shapeString()
              + ", "
              + o
              + " give an output of "
              + oh
              + "x"
              + ow
              + "; it must be at least 1x1");
    }
    // The convolution whose input gradient this is: its input has our output's size.
    ConvGeometry g =
        new ConvGeometry(
            (int) xs[0],
            (int) outC,
            (int) oh,
            (int) ow,
            (int) xs[1],
            (int) ws[2],
            (int) ws[3],
            o.strideH(),
            o.strideW(),
            o.padH(),
            o.padW(),
            o.dilationH(),
            o.dilationW(),
            o.groups(),
            (int) xs[2],
            (int) xs[3]);
    Tensor xc = x.contiguous();
    Tensor wc = w.contiguous();
    Tensor out = Tensor.empty(x.device(), x.dtype(), xs[0], outC, oh, ow);
    Backend b = Backends.of(x.device());
    b.conv2dBackwardInput(xc.view(), wc.view(), out.view(), g);
    out =
        Autograd.record(
            out,
            op,
            dy -> {
              Tensor gc = dy.contiguous();
              Tensor gx = null;
              Tensor gw = null;
              if (xc.isGradRequired()) {
                gx = Tensor.empty(xc.device(), xc.dtype(), xc.shape());
                b.conv2d(gc.view(), wc.view(), gx.view(), g);
              }
              if (wc.isGradRequired()) {
                gw = Tensor.empty(wc.device(), wc.dtype(), wc.shape());
                b.conv2dBackwardWeight(gc.view(), xc.view(), gw.view(), g);
              }
              return new Tensor[] {gx, gw};
            },
            xc,
            wc);
    return addBias(out, bias);
  }

  /** The options with the height settings neutral: what a 1-D op passes to its 2-D form. */
  static ConvOptions widthOnly(ConvOptions o) {
    return new ConvOptions(
        1, o.strideW(), 0, o.padW(), 1, o.dilationW(), o.groups(), o.same(), 0, o.outputPadW());
  }

  private static Tensor addBias(Tensor out, Tensor bias) {
    return bias == null ? out : out.add(bias.reshape(1, bias.numel(), 1, 1));
  }

  /**
   * Padding before the first position and the output size along one axis: {@code floor((in + 2·pad
   * - d·(k - 1) - 1) / s) + 1}, or with "same" the input size and {@code d·(k - 1)} split with the
   * extra one after.
   */
  private static int[] axis(
      String op,
      String name,
      Tensor x,
      Tensor w,
      long in,
      long k,
      int s,
      int pad,
      int d,
      boolean same) {
    long span = (long) d * (k - 1) + 1;
    if (same) {
      return new int[] {(int) ((span - 1) / 2), (int) in};
    }
    long padded = in + 2L * pad;
    if (span > padded) {
      throw new IllegalArgumentException(
          op
              + ": the kernel's "
              + name
              + " ("
              + k
              + (d > 1 ? ", dilated to " + span : "")
              + ") is larger than the padded input's ("
              + padded
              + "): input "
              + x.shapeString()
              + ", weight "
              + w.shapeString()
              + ", padding "
              + pad);
    }
    long out = (padded - span) / s + 1;
    if (out > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(op + ": output " + name + " " + out + " is too large");
    }
    return new int[] {pad, (int) out};
  }

  private static void checkOperands(
      String op, Tensor x, Tensor w, Tensor bias, int rank, ConvOptions o) {
    if (o == null) {
      throw new NullPointerException(op + ": options are null; use ConvOptions.defaults()");
    }
    checkRank(op, "input", x, rank, "[N, C, H, W]");
    checkRank(op, "weight", w, rank, "[out, in / groups, kh, kw]");
    Elementwise.checkCompatible(op, x, w);
    if (!x.dtype().isFloating()) {
      throw new IllegalArgumentException(op + ": needs floating tensors, got " + x.dtype());
    }
    if (bias != null) {
      Elementwise.checkCompatible(op, x, bias);
    }
    for (long d : x.shape()) {
      if (d == 0) {
        throw new IllegalArgumentException(op + ": input " + x.shapeString() + " is empty");
      }
    }
    for (long d : w.shape()) {
      if (d == 0) {
        throw new IllegalArgumentException(op + ": weight " + w.shapeString() + " is empty");
      }
    }
  }

  static void checkRank(String op, String role, Tensor t, int rank, String layout) {
    if (t == null) {
      throw new NullPointerException(op + ": " + role + " is null");
    }
    if (t.dim() != rank) {
      throw new IllegalArgumentException(
          op
              + ": "
              + role
              + " must be "
              + rank
              + "-D "
              + layout
              + ", got shape "
              + t.shapeString());
    }
  }

  private static void checkGroups(String op, Tensor w, long in, long out, ConvOptions o) {
    if (in % o.groups() != 0 || out % o.groups() != 0) {
      throw new IllegalArgumentException(
          op
              + ": groups "
              + o.groups()
              + " must divide both the input channels ("
              + in
              + ") and the output channels ("
              + out
              + "); weight "
              + w.shapeString());
    }
  }

  private static void checkBias(String op, Tensor bias, long channels) {
    if (bias != null && (bias.dim() != 1 || bias.numel() != channels)) {
      throw new IllegalArgumentException(
          op
              + ": bias must have shape ["
              + channels
              + "] (one per output channel), got "
              + bias.shapeString());
    }
  }

  private static void checkOutputPadding(String op, int p, int s, int d, ConvOptions o) {
    if (p >= s && p >= d) {
      throw new IllegalArgumentException(
          op + ": output padding " + p + " must be smaller than the stride or the dilation: " + o);
    }
  }
}
