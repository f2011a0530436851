package dev.quiver.runtime.ops;

import dev.quiver.runtime.Interpolation;
import dev.quiver.runtime.PadMode;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import dev.quiver.runtime.backend.Backends;
import java.util.Arrays;

/**
 * Padding and resizing, composed from primitives so that every backend has them with their
 * gradients: constant padding is a fill plus a copy into the middle (backward: the middle of the
 * gradient); reflect, replicate and circular padding and nearest resizing pick rows and columns
 * with {@code indexSelect} (backward: scatter-add); bilinear resizing is two products with
 * interpolation matrices, {@code out = A_h · x · A_wᵀ} (backward: the transposed products).
 */
public final class Resampling {
  private Resampling() {}

  /**
   * torch.nn.functional.pad: {@code pads} gives (before, after) pairs starting from the last axis:
   * {@code {left, right}} pads the width, {@code {left, right, top, bottom}} width and height.
   */
  public static Tensor pad(Tensor x, int[] pads, PadMode mode, double value) {
    String op = "pad";
    if (pads == null || pads.length % 2 != 0 || pads.length / 2 > x.dim()) {
      throw new IllegalArgumentException(
          op
              + ": pads must be (before, after) pairs for at most "
              + x.dim()
              + " axes, last axis first; got "
              + Arrays.toString(pads)
              + " for shape "
              + x.shapeString());
    }
    for (int p : pads) {
      if (p < 0) {
        throw new IllegalArgumentException(
            op + ": pads must be >= 0, got " + Arrays.toString(pads));
      }
    }
    if (mode != PadMode.CONSTANT && value != 0) {
      throw new IllegalArgumentException(
          op + ": a value only goes with PadMode.CONSTANT, got " + mode);
    }
    long[] shape = x.shape();
    long[] before = new long[x.dim()];
    long[] after = new long[x.dim()];
    for (int i = 0; i < pads.length / 2; i++) {
      int ax = x.dim() - 1 - i;
      before[ax] = pads[2 * i];
      after[ax] = pads[2 * i + 1];
      long size = shape[ax];
      boolean tooBig =
          switch (mode) {
            case REFLECT -> before[ax] >= size || after[ax] >= size;
            case CIRCULAR -> before[ax] > size || after[ax] > size;
            case REPLICATE -> size == 0 && (before[ax] > 0 || after[ax] > 0);
            case CONSTANT -> false;
          };
      if (tooBig) {
        throw new IllegalArgumentException(
            op
                + ": "
                + mode.name().toLowerCase(java.util.Locale.ROOT)
                + " padding "
                + Arrays.toString(pads)
                + " of shape "
                + x.shapeString()
                + ": axis "
                + ax
                + " has size "
                + size
                + (mode == PadMode.REFLECT
                    ? "; pads must be smaller"
                    : "; pads must not exceed it"));
      }
    }
    if (mode == PadMode.CONSTANT) {
      return constantPad(x, before, after, value);
    }
    Tensor y = x;
    for (int ax = 0; ax < x.dim(); ax++) {
      if (before[ax] == 0 && after[ax] == 0) {
        continue;
      }
      int size = (int) shape[ax];
      int[] index = new int[(int) (before[ax] + size + after[ax])];
      for (int i = 0; i < index.length; i++) {
        int j = (int) (i - before[ax]);
        index[i] =
            switch (mode) {
              case REFLECT -> j < 0 ? -j : j >= size ? 2 * (size - 1) - j : j;
              case REPLICATE -> Math.min(Math.max(j, 0), size - 1);
              case CIRCULAR -> Math.floorMod(j, size);
              case CONSTANT -> throw new AssertionError();
            };
      }
      y = y.indexSelect(ax, Tensor.ofInts(index).to(x.device()));
    }
    return y;
  }

  private static Tensor constantPad(Tensor x, long[] before, long[] after, double value) {
    long[] shape = x.shape();
    long[] outShape = shape.clone();
    for (int i = 0; i < shape.length; i++) {
      outShape[i] += before[i] + after[i];
    }
    Tensor out = Tensor.full(x.device(), value, x.dtype(), outShape);
    Tensor middle = out;
    for (int i = 0; i < shape.length; i++) {
      middle = middle.slice(i, before[i], before[i] + shape[i]);
    }
    Backends.of(x.device()).copy(x.view(), middle.view());
    return Autograd.record(
        out,
        "pad",
        g -> {
          Tensor m = g;
          for (int i = 0; i < shape.length; i++) {
            m = m.slice(i, before[i], before[i] + shape[i]);
          }
          return new Tensor[] {m};
        },
        x);
  }

  /** torch.nn.functional.interpolate of an NCHW (or CHW) tensor to {@code outH x outW}. */
  public static Tensor interpolate(Tensor x, int outH, int outW, Interpolation mode) {
    String op = "interpolate";
    if (x.dim() != 4 && x.dim() != 3) {
      throw new IllegalArgumentException(
          op + ": input must be [N, C, H, W] or [C, H, W], got shape " + x.shapeString());
    }
    if (outH < 1 || outW < 1) {
      throw new IllegalArgumentException(
          op + ": output size must be at least 1x1, got " + outH + "x" + outW);
    }
    if (!x.dtype().isFloating()) {
      throw new IllegalArgumentException(op + ": needs a floating tensor, got " + x.dtype());
    }
    int h = (int) x.size(-2);
    int w = (int) x.size(-1);
    if (mode == Interpolation.NEAREST) {
      return x.indexSelect(-2, nearest(h, outH, x)).indexSelect(-1, nearest(w, outW, x));
    }
    boolean corners = mode == Interpolation.BILINEAR_ALIGN_CORNERS;
    Tensor ah = linear(h, outH, corners, x);
    Tensor awT = linear(w, outW, corners, x).transpose();
    return ah.matmul(x).matmul(awT);
  }

  /** Resizes by an integer factor: {@code scale} times the height and the width. */
  public static Tensor upsample(Tensor x, int scale, Interpolation mode) {
    if (scale < 1) {
      throw new IllegalArgumentException("upsample: scale must be >= 1, got " + scale);
    }
    if (x.dim() < 2) {
      throw new IllegalArgumentException(
          "upsample: input must be [N, C, H, W] or [C, H, W], got shape " + x.shapeString());
    }
    return interpolate(
        x, Math.toIntExact(x.size(-2) * scale), Math.toIntExact(x.size(-1) * scale), mode);
  }

  /** torch's nearest: output i reads input floor(i · in / out). */
  private static Tensor nearest(int in, int out, Tensor like) {
    int[] index = new int[out];
    double scale = (double) in / out;
    for (int i = 0; i < out; i++) {
      index[i] = Math.min((int) Math.floor(i * scale), in - 1);
    }
    return Tensor.ofInts(index).to(like.device());
  }

  /** The {@code [out, in]} matrix of linear interpolation weights along one axis. */
  private static Tensor linear(int in, int out, boolean alignCorners, Tensor like) {
    double[] m = new double[out * in];
    for (int i = 0; i < out; i++) {
      double src;
      if (alignCorners) {
        src = out == 1 ? 0 : i * (double) (in - 1) / (out - 1);
      } else {
        src = Math.max((i + 0.5) * in / out - 0.5, 0);
      }
      int i0 = Math.min((int) Math.floor(src), in - 1);
      int i1 = Math.min(i0 + 1, in - 1);
      double frac = src - i0;
      m[i * in + i0] += 1 - frac;
      m[i * in + i1] += frac;
    }
    return Tensor.of(m, out, in).to(like.device()).to(like.dtype());
  }
}
