package dev.quiver.runtime.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.math.ElementwiseMath.BinaryOp;
import dev.quiver.runtime.math.ElementwiseMath.UnaryOp;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The dense fast path (contiguous operands: no loop planning) must give what the general strided
 * path gives. A transposed layout forces the general path for the same values.
 */
// Kernel internals: dense fast paths of the CPU backend. Not part of the device suite.
@Tag("cpu-only")
class DenseFastPathTest {
  private static final CpuBackend CPU = new CpuBackend();

  private static Tensor colMajor(Tensor t) {
    // [r, c] values in a [c, r] buffer, viewed transposed.
    return t.transpose().contiguous().transpose();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 7, 1000, 1001, 70_001})
  void binaryOpsAgree(int cols) {
    Tensor a = Tensor.randn(new long[] {3, cols}, 1);
    Tensor b = Tensor.randn(new long[] {3, cols}, 2);
    Tensor as = colMajor(a);
    Tensor bs = colMajor(b);
    for (BinaryOp op : BinaryOp.values()) {
      Tensor dense = Tensor.empty(DType.FLOAT32, 3, cols);
      Tensor general = Tensor.empty(DType.FLOAT32, cols, 3).transpose();
      CPU.binary(op, a.view(), b.view(), dense.view());
      CPU.binary(op, as.view(), bs.view(), general.view());
      float[] d = dense.toFloatArray();
      float[] g = general.toFloatArray();
      if (op != BinaryOp.POW) {
        assertArrayEquals(g, d, op.name());
        continue;
      }
      for (int i = 0; i < d.length; i++) {
        // pow is not exact: once C2 compiles the vector loop it uses the CPU's vector pow, which
        // may differ from the scalar Math.pow of the general path's single-element runs by 1 ulp.
        if (Float.isNaN(g[i])) {
          assertEquals(g[i], d[i], "POW at " + i); // both NaN: a negative base, a fractional power
        } else {
          assertEquals(g[i], d[i], Math.ulp(Math.abs(g[i])) + 0f, "POW at " + i);
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 9, 1000, 70_001})
  void unaryOpsCopyAndFillAgree(int cols) {
    Tensor a = Tensor.randn(new long[] {2, cols}, 3).abs().add(0.01);
    Tensor as = colMajor(a);
    for (UnaryOp op : UnaryOp.values()) {
      Tensor dense = Tensor.empty(DType.FLOAT32, 2, cols);
      Tensor general = Tensor.empty(DType.FLOAT32, cols, 2).transpose();
      CPU.unary(op, a.view(), dense.view());
      CPU.unary(op, as.view(), general.view());
      float[] d = dense.toFloatArray();
      float[] g = general.toFloatArray();
      for (int i = 0; i < d.length; i++) {
        // The general path's runs are single elements (scalar), the dense one vectorises: 1 ulp
        // apart at most.
        assertEquals(g[i], d[i], Math.ulp(Math.abs(g[i])) + 0f, op + " at " + i);
      }
    }
    Tensor dense = Tensor.empty(DType.FLOAT32, 2, cols);
    CPU.copy(a.view(), dense.view());
    assertArrayEquals(a.toFloatArray(), dense.toFloatArray());
    Tensor d64 = Tensor.empty(DType.FLOAT64, 2, cols);
    CPU.copy(a.view(), d64.view());
    assertArrayEquals(as.to(DType.FLOAT64).toDoubleArray(), d64.toDoubleArray());
    CPU.fill(dense.view(), 2.5);
    Tensor general = Tensor.empty(DType.FLOAT32, cols, 2).transpose();
    CPU.fill(general.view(), 2.5);
    assertArrayEquals(general.toFloatArray(), dense.toFloatArray());
  }

  @Test
  void sameShapeOpsOnViewsAndOffsets() {
    Tensor big = Tensor.randn(new long[] {4, 100}, 4);
    Tensor row1 = big.select(0, 1); // contiguous, offset 100
    Tensor row2 = big.select(0, 2); // contiguous, offset 200
    float[] r1 = row1.toFloatArray();
    float[] r2 = row2.toFloatArray();
    float[] sum = row1.add(row2).toFloatArray();
    for (int i = 0; i < 100; i++) {
      assertEquals(r1[i] + r2[i], sum[i], 0f);
    }
    // A size-1 axis with an odd stride is still dense.
    Tensor odd =
        Tensor.fromView(big.view().withLayout(new long[] {1, 100}, new long[] {7, 1}, 100));
    assertArrayEquals(row1.add(row1).toFloatArray(), odd.add(odd).reshape(100).toFloatArray());
    // Integer tensors take the scalar loop, same answer.
    Tensor i = Tensor.ofInts(1, 2, 3);
    assertArrayEquals(new int[] {2, 4, 6}, i.add(i).toIntArray());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 7, 37, 128})
  void rowScatterAddAgreesWithTheGeneralWalk(int width) {
    // An embedding's backward: index rows of a table, some picked twice, some never.
    Tensor index = Tensor.ofInts(4, 0, 4, 2, 4, 1);
    Tensor broadcast = index.reshape(6, 1).expand(6, width);
    Tensor g = Tensor.randn(new long[] {6, width}, 3);
    Tensor start = Tensor.randn(new long[] {5, width}, 4);
    Tensor rows = Tensor.of(start.toFloatArray(), 5, width);
    Tensor walked = Tensor.of(start.toFloatArray(), 5, width);
    CPU.scatterAdd(rows.view(), 0, broadcast.view(), g.view());
    // The same values transposed in memory: not whole rows, so the general walk.
    CPU.scatterAdd(walked.view(), 0, broadcast.view(), colMajor(g).view());
    float[] want = start.toFloatArray();
    float[] gs = g.toFloatArray();
    int[] ix = index.toIntArray();
    for (int r = 0; r < ix.length; r++) {
      for (int j = 0; j < width; j++) {
        want[ix[r] * width + j] += gs[r * width + j];
      }
    }
    assertArrayEquals(want, rows.toFloatArray());
    assertArrayEquals(want, walked.toFloatArray());
  }
}
