package dev.quiver.runtime.ops;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Shapes;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import dev.quiver.runtime.backend.Backends;
import java.util.Arrays;

/**
 * Picking and joining: gather (backward: scatter-add), index-select (embeddings), concat and stack.
 */
public final class Indexing {
  private Indexing() {}

  public static Tensor gather(Tensor x, int axis, Tensor index) {
    int ax = Shapes.axis("gather", axis, x.dim());
    checkIndex("gather", index);
    checkSameDevice("gather", x, index);
    if (index.dim() != x.dim()) {
      throw new IllegalArgumentException(
          "gather: index has rank "
              + index.dim()
              + " (shape "
              + index.shapeString()
              + ") but the input has rank "
              + x.dim()
              + " (shape "
              + x.shapeString()
              + ")");
    }
    long[] xs = x.shape();
    long[] is = index.shape();
    for (int d = 0; d < xs.length; d++) {
      if (d != ax && is[d] > xs[d]) {
        throw new IllegalArgumentException(
            "gather: index shape "
                + index.shapeString()
                + " exceeds input shape "
                + x.shapeString()
                + " at axis "
                + d);
      }
    }
    Tensor out = Tensor.empty(x.device(), x.dtype(), is);
    Backends.of(x.device()).gather(x.view(), ax, index.view(), out.view());
    return Autograd.record(
        out,
        "gather",
        g -> {
          Tensor gx = Tensor.zeros(g.device(), g.dtype(), xs);
          Backends.of(gx.device()).scatterAdd(gx.view(), ax, index.view(), g.view());
          return new Tensor[] {gx, null};
        },
        x,
        index);
  }

  public static Tensor indexSelect(Tensor x, int axis, Tensor index) {
    int ax = Shapes.axis("indexSelect", axis, x.dim());
    checkIndex("indexSelect", index);
    checkSameDevice("indexSelect", x, index);
    if (index.dim() != 1) {
      throw new IllegalArgumentException(
          "indexSelect: index must be 1-D, got shape " + index.shapeString());
    }
    long size = x.shape()[ax];
    for (int v : index.toIntArray()) {
      if (v < 0 || v >= size) {
        throw new IndexOutOfBoundsException(
            "indexSelect: index "
                + v
                + " is out of range for axis "
                + axis
                + " of size "
                + size
                + " (shape "
                + x.shapeString()
                + ")");
      }
    }
    // As a gather whose index is broadcast along every other axis.
    long[] shape = x.shape();
    shape[ax] = index.numel();
    long[] unit = new long[x.dim()];
    Arrays.fill(unit, 1);
    unit[ax] = index.numel();
    Tensor full = Movement.broadcastTo(index.reshape(unit), shape);
    return gather(x, ax, full);
  }

  public static Tensor concat(int axis, Tensor... parts) {
    if (parts.length == 0) {
      throw new IllegalArgumentException("concat: no tensors given");
    }
    Tensor first = parts[0];
    int ax = Shapes.axis("concat", axis, first.dim());
    long total = 0;
    for (int i = 0; i < parts.length; i++) {
      Tensor p = parts[i];
      Elementwise.checkCompatible("concat", first, p);
      if (p.dim() != first.dim()) {
        throw new IllegalArgumentException(
            "concat: tensor "
                + i
                + " has shape "
                + p.shapeString()
                + ", tensor 0 has "
                + first.shapeString()
                + " (ranks differ)");
      }
      for (int d = 0; d < p.dim(); d++) {
        if (d != ax && p.size(d) != first.size(d)) {
          throw new IllegalArgumentException(
              "concat: tensor "
                  + i
                  + " has shape "
                  + p.shapeString()
                  + ", tensor 0 has "
                  + first.shapeString()
                  + ": sizes differ at axis "
                  + d);
        }
      }
      total += p.size(ax);
    }
    long[] shape = first.shape();
    shape[ax] = total;
    Tensor out = Tensor.empty(first.device(), first.dtype(), shape);
    long[] starts = new long[parts.length];
    try (var ignored = Autograd.noGrad()) {
      long at = 0;
      for (int i = 0; i < parts.length; i++) {
        starts[i] = at;
        long len = parts[i].size(ax);
        out.slice(ax, at, at + len).copyFrom(parts[i]);
        at += len;
      }
    }
    return Autograd.record(
        out,
        "concat",
        g -> {
          Tensor[] grads = new Tensor[parts.length];
          for (int i = 0; i < parts.length; i++) {
            grads[i] = g.slice(ax, starts[i], starts[i] + parts[i].size(ax));
          }
          return grads;
        },
        parts);
  }

  public static Tensor stack(int axis, Tensor... parts) {
    if (parts.length == 0) {
      throw new IllegalArgumentException("stack: no tensors given");
    }
    for (int i = 1; i < parts.length; i++) {
      if (!Arrays.equals(parts[i].shape(), parts[0].shape())) {
        throw new IllegalArgumentException(
            "stack: tensor "
                + i
                + " has shape "
                + parts[i].shapeString()
                + ", tensor 0 has "
                + parts[0].shapeString());
      }
    }
    int ax = axis < 0 ? axis + parts[0].dim() + 1 : axis;
    Tensor[] expanded = new Tensor[parts.length];
    for (int i = 0; i < parts.length; i++) {
      expanded[i] = parts[i].unsqueeze(ax);
    }
    return concat(ax, expanded);
  }

  private static void checkSameDevice(String op, Tensor x, Tensor index) {
    if (!x.device().equals(index.device())) {
      throw new IllegalArgumentException(
          op
              + ": the input and the index are on different devices: "
              + x.device()
              + " and "
              + index.device()
              + "; move the index with .to("
              + x.device()
              + ")");
    }
  }

  private static void checkIndex(String op, Tensor index) {
    if (index.dtype() != DType.INT32) {
      throw new IllegalArgumentException(
          op
              + ": index must be int32, got "
              + index.dtype()
              + "; build it with Tensor.ofInts or convert with to(DType.INT32)");
    }
  }
}
