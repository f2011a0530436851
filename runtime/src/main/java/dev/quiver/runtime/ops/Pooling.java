package dev.quiver.runtime.ops;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.PoolOptions;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import dev.quiver.runtime.backend.Backend;
import dev.quiver.runtime.backend.Backends;
import dev.quiver.runtime.backend.PoolAxis;
import dev.quiver.runtime.backend.PoolGeometry;

/**
 * Max, average and adaptive average pooling over NCHW (or CHW) tensors, 2-D and 1-D, as
 * torch.nn.functional's. Backward: a max routes each output's gradient to the one input it took
 * (the forward records where); an average spreads it evenly over its window, {@code dy / divisor}
 * to each position.
 */
public final class Pooling {
  private Pooling() {}

  public static Tensor maxPool2d(Tensor x, PoolOptions o) {
    return pool2d("maxPool2d", x, o, true);
  }

  public static Tensor avgPool2d(Tensor x, PoolOptions o) {
    return pool2d("avgPool2d", x, o, false);
  }

  /** x {@code [N, C, L]} (or {@code [C, L]}); the options' width settings apply. */
  public static Tensor maxPool1d(Tensor x, PoolOptions o) {
    return pool1d("maxPool1d", x, o, true);
  }

  public static Tensor avgPool1d(Tensor x, PoolOptions o) {
    return pool1d("avgPool1d", x, o, false);
  }

  /**
   * torch's adaptive_avg_pool2d: an {@code outH x outW} output whatever the input size, window
   * {@code i} covering input rows {@code floor(i·H/outH)} to {@code ceil((i+1)·H/outH)}.
   */
  public static Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
    String op = "adaptiveAvgPool2d";
    Tensor x4 = batched(op, x, 4);
    if (outH < 1 || outW < 1) {
      throw new IllegalArgumentException(
          op + ": output size must be at least 1x1, got " + outH + "x" + outW);
    }
    long[] s = x4.shape();
    var p =
        new PoolGeometry(
            s[0] * s[1],
            PoolAxis.adaptive((int) s[2], outH),
            PoolAxis.adaptive((int) s[3], outW),
            false);
    return unbatched(run(op, x4, p, false), x.dim() == 3);
  }

  private static Tensor pool1d(String op, Tensor x, PoolOptions o, boolean max) {
    Tensor x3 = batched(op, x, 3);
    PoolOptions wide =
        new PoolOptions(1, o.kernelW(), 1, o.strideW(), 0, o.padW(), o.ceil(), o.countIncludePad());
    Tensor y;
    try {
      y = pool2d(op, x3.unsqueeze(2), wide, max).squeeze(2);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          e.getMessage()
              .replace("input " + x3.unsqueeze(2).shapeString(), "input " + x3.shapeString()),
          e);
    }
    return x.dim() == 2 ? y.squeeze(0) : y;
  }

  private static Tensor pool2d(String op, Tensor x, PoolOptions o, boolean max) {
    if (o == null) {
      throw new NullPointerException(op + ": options are null; use PoolOptions.kernel(k)");
    }
    Tensor x4 = batched(op, x, 4);
    long[] s = x4.shape();
    var p =
        new PoolGeometry(
            s[0] * s[1],
            axis(op, "height", x4, s[2], o.kernelH(), o.strideH(), o.padH(), o),
            axis(op, "width", x4, s[3], o.kernelW(), o.strideW(), o.padW(), o),
            o.countIncludePad());
    return unbatched(run(op, x4, p, max), x.dim() == 3);
  }

  /** torch's pooling output size: floor (or ceil) of (in + 2p - k) / s, plus 1. */
  private static PoolAxis axis(
      String op, String name, Tensor x, long in, int k, int s, int pad, PoolOptions o) {
    if (pad > k / 2) {
      throw new IllegalArgumentException(
          op
              + ": padding "
              + pad
              + " must be at most half the kernel size "
              + k
              + " ("
              + name
              + "; "
              + o
              + ")");
    }
    long span = in + 2L * pad - k;
    if (span < 0) {
      throw new IllegalArgumentException(
          op
              + ": the kernel's "
              + name
              + " ("
              + k
              + ") is larger than the padded input's ("
              + (in + 2L * pad)
              + "): input "
              + x.shapeString()
              + ", "
              + o);
    }
    long out = (o.ceil() ? Math.ceilDiv(span, s) : span / s) + 1;
    // A last window that would start in the right padding is dropped, as in torch.
    if (o.ceil() && (out - 1) * s >= in + pad) {
      out--;
    }
    return PoolAxis.regular((int) in, (int) out, k, s, pad);
  }

  private static Tensor run(String op, Tensor x4, PoolGeometry p, boolean max) {
    long[] s = x4.shape();
    Tensor xc = x4.contiguous();
    int ipx = p.inPixels();
    int opx = p.outPixels();
    long planes = p.planes();
    Tensor out = Tensor.empty(x4.device(), x4.dtype(), s[0], s[1], p.h().out(), p.w().out());
    Backend b = Backends.of(x4.device());
    long[] inFlat = {planes, ipx};
    long[] outFlat = {planes, opx};
    if (max) {
      Tensor argmax = Tensor.empty(x4.device(), DType.INT32, outFlat);
      b.maxPool2d(flat(xc, inFlat), flat(out, outFlat), argmax.view(), p);
      return Autograd.record(
          out,
          op,
          dy -> {
            Tensor gx = Tensor.empty(xc.device(), xc.dtype(), s);
            b.maxPool2dBackward(flat(dy.contiguous(), outFlat), argmax.view(), flat(gx, inFlat), p);
            return new Tensor[] {gx};
          },
          xc);
    }
    b.avgPool2d(flat(xc, inFlat), flat(out, outFlat), p);
    return Autograd.record(
        out,
        op,
        dy -> {
          Tensor gx = Tensor.empty(xc.device(), xc.dtype(), s);
          b.avgPool2dBackward(flat(dy.contiguous(), outFlat), flat(gx, inFlat), p);
          return new Tensor[] {gx};
        },
        xc);
  }

  private static dev.quiver.runtime.backend.View flat(Tensor t, long[] shape) {
    return t.view().withLayout(shape, new long[] {shape[1], 1}, t.offset());
  }

  /** x as a batch: a tensor of rank {@code rank - 1} gets a batch axis of 1. */
  private static Tensor batched(String op, Tensor x, int rank) {
    if (x == null) {
      throw new NullPointerException(op + ": input is null");
    }
    String layout = rank == 4 ? "[N, C, H, W] or [C, H, W]" : "[N, C, L] or [C, L]";
    if (x.dim() != rank && x.dim() != rank - 1) {
      throw new IllegalArgumentException(
          op + ": input must be " + layout + ", got shape " + x.shapeString());
    }
    if (!x.dtype().isFloating()) {
      throw new IllegalArgumentException(op + ": needs a floating tensor, got " + x.dtype());
    }
    for (long d : x.shape()) {
      if (d == 0) {
        throw new IllegalArgumentException(op + ": input " + x.shapeString() + " is empty");
      }
    }
    return x.dim() == rank ? x : x.unsqueeze(0);
  }

  private static Tensor unbatched(Tensor y, boolean wasUnbatched) {
    return wasUnbatched ? y.squeeze(0) : y;
  }
}
