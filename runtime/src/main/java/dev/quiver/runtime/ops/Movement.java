package dev.quiver.runtime.ops;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Shapes;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import dev.quiver.runtime.autograd.SliceBackward;
import dev.quiver.runtime.backend.Backends;
import dev.quiver.runtime.backend.View;
import java.util.Arrays;

/**
 * Movement ops: new shapes and strides over the same memory. Their backward moves the gradient back
 * the other way (inverse permutation, reshape back, sum over what was broadcast).
 */
public final class Movement {
  private Movement() {}

  private static Tensor view(Tensor x, long[] shape, long[] strides, long offset) {
    return Tensor.fromView(x.view().withLayout(shape, strides, offset));
  }

  public static Tensor reshape(Tensor x, long[] requested) {
    long[] shape = resolveShape(x, requested);
    if (Arrays.equals(shape, x.shape())) {
      return x;
    }
    Tensor base = x.isContiguous() ? x : copy(x);
    Tensor out = view(base, shape, Shapes.contiguousStrides(shape), base.offset());
    return Autograd.record(out, "reshape", g -> new Tensor[] {g.reshape(x.shape())}, base);
  }

  private static long[] resolveShape(Tensor x, long[] requested) {
    long[] shape = requested.clone();
    int unknown = -1;
    long known = 1;
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] == -1) {
        if (unknown >= 0) {
          throw new IllegalArgumentException(
              "reshape: only one size may be -1, got " + Shapes.str(requested));
        }
        unknown = i;
      } else if (shape[i] < 0) {
        throw new IllegalArgumentException("reshape: negative size in " + Shapes.str(requested));
      } else {
        known *= shape[i];
      }
    }
    long n = x.numel();
    if (unknown >= 0) {
      if (known == 0 || n % known != 0) {
        throw new IllegalArgumentException(
            "reshape: cannot reshape "
                + x.shapeString()
                + " ("
                + n
                + " elements) into "
                + Shapes.str(requested));
      }
      shape[unknown] = n / known;
    } else if (known != n) {
      throw new IllegalArgumentException(
          "reshape: cannot reshape "
              + x.shapeString()
              + " ("
              + n
              + " elements) into "
              + Shapes.str(requested)
              + " ("
              + known
              + " elements)");
    }
    return shape;
  }

  public static Tensor permute(Tensor x, int[] order) {
    int rank = x.dim();
    if (order.length != rank) {
      throw new IllegalArgumentException(
          "permute: "
              + order.length
              + " axes given for a tensor of rank "
              + rank
              + " (shape "
              + x.shapeString()
              + ")");
    }
    long[] shape = x.shape();
    long[] strides = x.strides();
    long[] ns = new long[rank];
    long[] nst = new long[rank];
    int[] inverse = new int[rank];
    boolean[] seen = new boolean[rank];
    for (int i = 0; i < rank; i++) {
      int a = Shapes.axis("permute", order[i], rank);
      if (seen[a]) {
        throw new IllegalArgumentException(
            "permute: axis " + order[i] + " appears twice in " + Arrays.toString(order));
      }
      seen[a] = true;
      ns[i] = shape[a];
      nst[i] = strides[a];
      inverse[a] = i;
    }
    Tensor out = view(x, ns, nst, x.offset());
    return Autograd.record(out, "permute", g -> new Tensor[] {g.permute(inverse)}, x);
  }

  public static Tensor transpose(Tensor x, int a, int b) {
    int rank = x.dim();
    int ra = Shapes.axis("transpose", a, rank);
    int rb = Shapes.axis("transpose", b, rank);
    int[] order = new int[rank];
    for (int i = 0; i < rank; i++) {
      order[i] = i;
    }
    order[ra] = rb;
    order[rb] = ra;
    return permute(x, order);
  }

  public static Tensor slice(Tensor x, int axis, long start, long end, long step) {
    int ax = Shapes.axis("slice", axis, x.dim());
    if (step <= 0) {
      throw new IllegalArgumentException("slice: step must be positive, got " + step);
    }
    long size = x.shape()[ax];
    // Python's rules: negative indices count from the end, out-of-range bounds are clamped.
    long s = Math.clamp(start < 0 ? start + size : start, 0, size);
    long e = Math.clamp(end < 0 ? end + size : end, 0, size);
    long len = e > s ? (e - s + step - 1) / step : 0;
    long[] shape = x.shape();
    long[] strides = x.strides();
    long offset = x.offset() + s * strides[ax];
    shape[ax] = len;
    strides[ax] *= step;
    Tensor out = view(x, shape, strides, len == 0 ? x.offset() : offset);
    return Autograd.record(
        out,
        "slice",
        new SliceBackward() {
          @Override
          public Tensor[] apply(Tensor g) {
            Tensor full = Tensor.zeros(g.device(), g.dtype(), x.shape());
            full.slice(ax, s, e, step).copyFrom(g);
            return new Tensor[] {full};
          }

          @Override
          public void addInto(Tensor full, Tensor g) {
            full.slice(ax, s, e, step).addInPlace(g);
          }
        },
        x);
  }

  public static Tensor select(Tensor x, int axis, long index) {
    int ax = Shapes.axis("select", axis, x.dim());
    long size = x.shape()[ax];
    long i = index < 0 ? index + size : index;
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException(
          "select: index " + index + " is out of range for axis " + axis + " of size " + size);
    }
    return slice(x, ax, i, i + 1, 1).squeeze(ax);
  }

  public static Tensor expand(Tensor x, long[] requested) {
    long[] shape = x.shape();
    if (requested.length < shape.length) {
      throw new IllegalArgumentException(
          "expand: cannot expand " + x.shapeString() + " to fewer axes " + Shapes.str(requested));
    }
    long[] target = requested.clone();
    int lead = target.length - shape.length;
    for (int i = 0; i < target.length; i++) {
      // -1 keeps an existing axis's size; a new leading axis has none to keep.
      if (target[i] < -1 || (target[i] == -1 && i < lead)) {
        throw new IllegalArgumentException(
            "expand: cannot expand "
                + x.shapeString()
                + " to "
                + Shapes.str(requested)
                + ": size "
                + target[i]
                + " at axis "
                + i
                + (i < lead ? " (a new axis)" : ""));
      }
    }
    for (int i = 0; i < shape.length; i++) {
      long want = target[lead + i];
      if (want == -1) {
        target[lead + i] = shape[i];
      } else if (shape[i] != want && shape[i] != 1) {
        throw new IllegalArgumentException(
            "expand: cannot expand "
                + x.shapeString()
                + " to "
                + Shapes.str(requested)
                + ": axis "
                + (lead + i)
                + " has size "
                + shape[i]
                + ", not 1");
      }
    }
    if (Arrays.equals(target, shape)) {
      return x;
    }
    Tensor out = Tensor.fromView(broadcastView(x.view(), target));
    return Autograd.record(out, "expand", g -> new Tensor[] {Reductions.sumTo(g, x.shape())}, x);
  }

  /**
   * x broadcast to {@code shape} as a tensor without history (x itself when it has that shape): ops
   * own their backward.
   */
  static Tensor broadcastTo(Tensor x, long[] shape) {
    View v = broadcastView(x.view(), shape);
    return v == x.view() ? x : Tensor.fromView(v);
  }

  /**
   * x broadcast to {@code shape} (stride 0 on new and size-1 axes): what the kernels take for a
   * broadcast operand.
   */
  public static View broadcastView(View x, long[] shape) {
    long[] xs = x.shape();
    if (Arrays.equals(xs, shape)) {
      return x;
    }
    long[] xst = x.strides();
    long[] st = new long[shape.length];
    int lead = shape.length - xs.length;
    for (int i = 0; i < xs.length; i++) {
      st[lead + i] = xs[i] == 1 && shape[lead + i] != 1 ? 0 : xst[i];
    }
    return x.withLayout(shape.clone(), st, x.offset());
  }

  public static Tensor squeeze(Tensor x, int axis) {
    int ax = Shapes.axis("squeeze", axis, x.dim());
    long[] shape = x.shape();
    if (shape[ax] != 1) {
      throw new IllegalArgumentException(
          "squeeze: axis "
              + axis
              + " has size "
              + shape[ax]
              + ", not 1 (shape "
              + x.shapeString()
              + ")");
    }
    long[] ns = new long[shape.length - 1];
    long[] nst = new long[shape.length - 1];
    long[] st = x.strides();
    for (int i = 0, j = 0; i < shape.length; i++) {
      if (i != ax) {
        ns[j] = shape[i];
        nst[j++] = st[i];
      }
    }
    Tensor out = view(x, ns, nst, x.offset());
    return Autograd.record(out, "squeeze", g -> new Tensor[] {g.unsqueeze(ax)}, x);
  }

  public static Tensor unsqueeze(Tensor x, int axis) {
    int rank = x.dim();
    int ax = axis < 0 ? axis + rank + 1 : axis;
    if (ax < 0 || ax > rank) {
      throw new IllegalArgumentException(
          "unsqueeze: axis " + axis + " is out of range for a tensor of rank " + rank);
    }
    long[] shape = x.shape();
    long[] st = x.strides();
    long[] ns = new long[rank + 1];
    long[] nst = new long[rank + 1];
    for (int i = 0, j = 0; i <= rank; i++) {
      if (i == ax) {
        ns[i] = 1;
        nst[i] = i < rank ? st[i] * shape[i] : 1;
      } else {
        ns[i] = shape[j];
        nst[i] = st[j++];
      }
    }
    Tensor out = view(x, ns, nst, x.offset());
    return Autograd.record(out, "unsqueeze", g -> new Tensor[] {g.squeeze(ax)}, x);
  }

  public static Tensor copy(Tensor x) {
    Tensor out = Tensor.empty(x.device(), x.dtype(), x.shape());
    Backends.of(x.device()).copy(x.view(), out.view());
    return Autograd.record(out, "copy", g -> new Tensor[] {g}, x);
  }

  /**
   * A tensor with exactly x's values, row-major, at offset 0, in {@code dtype}: for reading out.
   */
  public static Tensor materialize(Tensor x, DType dtype) {
    if (x.dtype() == dtype
        && x.offset() == 0
        && x.isContiguous()
        && x.view().storage().byteSize() == x.numel() * dtype.byteSize()) {
      return x;
    }
    try (var ignored = Autograd.noGrad()) {
      Tensor out = Tensor.empty(x.device(), dtype, x.shape());
      Backends.of(x.device()).copy(x.view(), out.view());
      return out;
    }
  }

  /**
   * x's values in host memory, row-major from offset 0, in {@code dtype} (x itself when it already
   * is that): for reading them out. A device tensor is first made dense where it lives, so only its
   * own elements cross to the host. Keep the result reachable while reading its memory: the
   * segment's address is raw, and an unreachable copy may be freed.
   */
  public static Tensor hostDense(Tensor x, DType dtype) {
    if (x.view().storage().isReleased()) {
      // Before any copy: a failed read must not leave a half-made copy behind.
      throw new IllegalStateException(
          "this tensor's memory was released (its MemoryScope closed or close() was "
              + "called); keep tensors that must outlive a scope with scope.keep(tensor)");
    }
    Tensor c = materialize(x, dtype);
    if (c.device().isCpu()) {
      return c;
    }
    Tensor host = Tensor.fromView(Backends.of(c.device()).toHost(c.view()));
    if (c != x) {
      c.close(); // the dense copy on the device served only this transfer
    }
    return materialize(host, dtype);
  }
}
