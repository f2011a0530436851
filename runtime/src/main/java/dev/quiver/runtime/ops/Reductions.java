package dev.quiver.runtime.ops;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Shapes;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import dev.quiver.runtime.backend.Backends;
import dev.quiver.runtime.backend.ReduceOp;
import java.util.Arrays;

/**
 * Reductions over axes, with their backward: sum spreads the gradient back, max routes it to the
 * winners.
 */
public final class Reductions {
  private Reductions() {}

  // Built once, not per call (a fresh JVM's first fit runs this interpreted, several times a step).
  private static final String[] NAMES = names();

  private static String[] names() {
    ReduceOp[] ops = ReduceOp.values();
    String[] n = new String[ops.length];
    for (int i = 0; i < ops.length; i++) {
      n[i] = Elementwise.name(ops[i]);
    }
    return n;
  }

  public static Tensor reduce(ReduceOp op, Tensor x, int[] axesIn, boolean keepDim) {
    String name = NAMES[op.ordinal()];
    int[] axes = Shapes.axes(name, axesIn, x.dim());
    long[] keepShape = x.shape();
    for (int a : axes) {
      if (op != ReduceOp.SUM && keepShape[a] == 0) {
        throw new IllegalArgumentException(
            name
                + ": axis "
                + a
                + " of shape "
                + x.shapeString()
                + " is empty; the "
                + name
                + " of no elements is undefined");
      }
      keepShape[a] = 1;
    }
    Tensor kept = Tensor.empty(x.device(), x.dtype(), keepShape);
    Backends.of(x.device()).reduce(op, x.view(), kept.view());
    Tensor out = keepDim ? kept : dropAxes(kept, axes);
    if (!Autograd.needsGrad(x)) {
      return out;
    }
    return Autograd.record(
        out,
        name,
        g -> {
          Tensor gk = g.reshape(keepShape).expand(x.shape());
          return switch (op) {
            case SUM -> new Tensor[] {gk};
            // The gradient goes to the elements equal to the extreme, shared equally between ties.
            case MAX, MIN -> {
              Tensor mask = x.eq(kept);
              yield new Tensor[] {gk.mul(mask).div(mask.sum(axes, true))};
            }
          };
        },
        x);
  }

  private static Tensor dropAxes(Tensor kept, int[] axes) {
    long[] shape = kept.shape();
    long[] out = new long[shape.length - axes.length];
    for (int i = 0, j = 0, k = 0; i < shape.length; i++) {
      if (k < axes.length && axes[k] == i) {
        k++;
      } else {
        out[j++] = shape[i];
      }
    }
    // kept is contiguous and fresh, so this is a plain view (no history: the caller records).
    return Tensor.fromView(kept.view().withLayout(out, Shapes.contiguousStrides(out), 0));
  }

  public static Tensor mean(Tensor x, int[] axesIn, boolean keepDim) {
    int[] axes = Shapes.axes("mean", axesIn, x.dim());
    long count = 1;
    for (int a : axes) {
      count *= x.shape()[a];
    }
    if (count == 0) {
      throw new IllegalArgumentException(
          "mean: no elements to average over (shape " + x.shapeString() + ")");
    }
    Tensor xf = x.dtype().isFloating() ? x : x.to(DType.FLOAT32);
    return reduce(ReduceOp.SUM, xf, axes, keepDim).mul(1.0 / count);
  }

  public static Tensor variance(Tensor x, int[] axes, boolean keepDim) {
    Tensor centered = x.sub(mean(x, axes, true));
    return mean(centered.square(), axes, keepDim);
  }

  public static Tensor argReduce(Tensor x, int axis, boolean max) {
    String name = max ? "argmax" : "argmin";
    int ax = Shapes.axis(name, axis, x.dim());
    if (x.shape()[ax] == 0) {
      throw new IllegalArgumentException(
          name + ": axis " + axis + " of shape " + x.shapeString() + " is empty");
    }
    long[] keepShape = x.shape();
    keepShape[ax] = 1;
    Tensor kept = Tensor.empty(x.device(), DType.INT32, keepShape);
    Backends.of(x.device()).argReduce(x.view(), ax, max, kept.view());
    return dropAxes(kept, new int[] {ax});
  }

  /** Sums a broadcast gradient back to the shape of the operand that was broadcast. */
  public static Tensor sumTo(Tensor g, long[] shape) {
    if (g == null) {
      return null;
    }
    long[] gs = g.shape();
    if (Arrays.equals(gs, shape)) {
      return g;
    }
    int lead = gs.length - shape.length;
    // A plain loop, not a stream: every backward step of a broadcast runs this, and a stream's
    // pipeline was one of the larger compiles (twice) of a fresh JVM's first fits.
    int[] found = new int[gs.length];
    int count = 0;
    for (int i = 0; i < gs.length; i++) {
      if (i < lead || (shape[i - lead] == 1 && gs[i] != 1)) {
        found[count++] = i;
      }
    }
    int[] axes = Arrays.copyOf(found, count);
    Tensor summed = axes.length == 0 ? g : reduce(ReduceOp.SUM, g, axes, true);
    return summed.reshape(shape);
  }
}
