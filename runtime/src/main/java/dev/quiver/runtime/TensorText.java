package dev.quiver.runtime;

/** Text form of a tensor (numpy-like). */
final class TensorText {
  private TensorText() {}

  static String format(Tensor t) {
    if (t.storage().isReleased()) {
      return "tensor(<released>, shape=" + t.shapeString() + ", dtype=" + t.dtype() + ")";
    }
    StringBuilder sb = new StringBuilder("tensor(");
    append(sb, t, new long[t.dim()], 0);
    sb.append(", shape=").append(t.shapeString()).append(", dtype=").append(t.dtype()).append(')');
    return sb.toString();
  }

  private static void append(StringBuilder sb, Tensor t, long[] idx, int axis) {
    if (axis == t.dim()) {
      sb.append(t.get(idx));
      return;
    }
    sb.append('[');
    for (long i = 0; i < t.size(axis); i++) {
      if (i > 0) {
        sb.append(", ");
      }
      idx[axis] = i;
      append(sb, t, idx, axis + 1);
    }
    sb.append(']');
  }
}
