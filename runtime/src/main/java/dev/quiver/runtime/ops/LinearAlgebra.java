package dev.quiver.runtime.ops;

import dev.quiver.runtime.Shapes;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import dev.quiver.runtime.backend.Backends;
import java.util.Arrays;

/** Matrix products: C = A·B, with dA = dC·Bᵀ and dB = Aᵀ·dC. */
public final class LinearAlgebra {
  private LinearAlgebra() {}

  public static Tensor matmul(Tensor a, Tensor b) {
    Elementwise.checkCompatible("matmul", a, b);
    if (a.dim() == 0 || b.dim() == 0) {
      throw new IllegalArgumentException(
          "matmul: operands must have at least one axis, got "
              + a.shapeString()
              + " x "
              + b.shapeString()
              + "; use mul for scalars");
    }
    if (!a.dtype().isFloating()) {
      throw new IllegalArgumentException("matmul: needs floating operands, got " + a.dtype());
    }
    // numpy: a 1-D left operand is a row, a 1-D right operand a column; the added axis is removed
    // after.
    boolean rowVector = a.dim() == 1;
    boolean columnVector = b.dim() == 1;
    Tensor a2 = rowVector ? a.unsqueeze(0) : a;
    Tensor b2 = columnVector ? b.unsqueeze(1) : b;
    if (a2.size(-1) != b2.size(-2)) {
      throw new IllegalArgumentException(
          "matmul: "
              + a.shapeString()
              + " x "
              + b.shapeString()
              + ": inner sizes "
              + a2.size(-1)
              + " and "
              + b2.size(-2)
              + " differ");
    }
    long[] aBatch = Arrays.copyOf(a2.shape(), a2.dim() - 2);
    long[] bBatch = Arrays.copyOf(b2.shape(), b2.dim() - 2);
    try {
      Shapes.broadcast("matmul", aBatch, bBatch);
    } catch (IllegalArgumentException e) {
      // Name the operands as the user wrote them, not just their batch parts.
      throw new IllegalArgumentException(
          "matmul: "
              + a.shapeString()
              + " x "
              + b.shapeString()
              + ": batch shapes "
              + Shapes.str(aBatch)
              + " and "
              + Shapes.str(bBatch)
              + " cannot be broadcast",
          e);
    }
    Tensor out = matmul2(a2, b2);
    // Row axis first: out is [..., m, n], and after dropping n the row axis would no longer be -2.
    if (rowVector) {
      out = out.squeeze(-2);
    }
    if (columnVector) {
      out = out.squeeze(-1);
    }
    return out;
  }

  private static Tensor matmul2(Tensor a, Tensor b) {
    long[] as = a.shape();
    long[] bs = b.shape();
    long m = as[as.length - 2];
    long k = as[as.length - 1];
    long n = bs[bs.length - 1];
    long[] batch =
        Shapes.broadcast(
            "matmul", Arrays.copyOf(as, as.length - 2), Arrays.copyOf(bs, bs.length - 2));
    long[] aShape = concat(batch, m, k);
    long[] bShape = concat(batch, k, n);
    Tensor ae = Movement.broadcastTo(a, aShape);
    Tensor be = Movement.broadcastTo(b, bShape);
    Tensor out = Tensor.empty(a.device(), a.dtype(), concat(batch, m, n));
    Backends.of(a.device()).matmul(ae.view(), be.view(), out.view());
    if (!Autograd.needsGrad(a, b)) {
      return out;
    }
    return Autograd.record(
        out,
        "matmul",
        g ->
            new Tensor[] {
              a.isGradRequired() ? Reductions.sumTo(g.matmul(be.transpose()), as) : null,
              b.isGradRequired() ? Reductions.sumTo(ae.transpose().matmul(g), bs) : null
            },
        a,
        b);
  }

  private static long[] concat(long[] batch, long r, long c) {
    long[] s = Arrays.copyOf(batch, batch.length + 2);
    s[batch.length] = r;
    s[batch.length + 1] = c;
    return s;
  }
}
