package dev.quiver.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.autograd.Autograd;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Creation, views and memory sharing, reading and writing values, element types. */
class TensorTest {

  static float[] floats(double... v) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    return f;
  }

  @Nested
  class Creation {
    @Test
    void zerosOnesFull() {
      Tensor z = Tensor.zeros(2, 3);
      assertArrayEquals(new long[] {2, 3}, z.shape());
      assertEquals(DType.FLOAT32, z.dtype());
      assertArrayEquals(new float[6], z.toFloatArray());
      assertArrayEquals(floats(1, 1, 1, 1), Tensor.ones(4).toFloatArray());
      Tensor f = Tensor.full(2.5, DType.FLOAT64, 3, 1);
      assertEquals(DType.FLOAT64, f.dtype());
      assertArrayEquals(new double[] {2.5, 2.5, 2.5}, f.toDoubleArray());
      assertArrayEquals(new int[] {7, 7}, Tensor.full(7.9, DType.INT32, 2).toIntArray());
      assertArrayEquals(new int[] {0, 0, 0}, Tensor.zeros(DType.INT32, 3).toIntArray());
      assertArrayEquals(new long[] {2, 3}, Tensor.onesLike(z).shape());
    }

    @Test
    void scalarsHaveRankZero() {
      Tensor s = Tensor.scalar(3.5);
      assertEquals(0, s.dim());
      assertEquals(1, s.numel());
      assertEquals(3.5, s.item());
      assertEquals(3.5, s.get());
      assertEquals(DType.FLOAT64, Tensor.scalar(1, DType.FLOAT64).dtype());
    }

    @Test
    void emptyShapes() {
      Tensor e = Tensor.zeros(0, 3);
      assertEquals(0, e.numel());
      assertEquals(0, e.toFloatArray().length);
      assertArrayEquals(new long[] {3}, e.sum(0).shape());
      assertArrayEquals(new float[3], e.sum(0).toFloatArray());
    }

    @Test
    void arange() {
      assertArrayEquals(floats(0, 1, 2, 3, 4), Tensor.arange(5).toFloatArray());
      assertArrayEquals(floats(1, 1.25, 1.5, 1.75), Tensor.arange(1, 2, 0.25).toFloatArray());
      assertArrayEquals(floats(5, 3, 1), Tensor.arange(5, 0, -2).toFloatArray());
      assertEquals(0, Tensor.arange(3, 3, 1).numel());
      assertEquals(0, Tensor.arange(3, 0, 1).numel());
      var e = assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, 1, 0));
      assertTrue(e.getMessage().startsWith("arange:"), e.getMessage());
    }

    @Test
    void eye() {
      assertArrayEquals(floats(1, 0, 0, 0, 1, 0, 0, 0, 1), Tensor.eye(3).toFloatArray());
      assertArrayEquals(floats(1), Tensor.eye(1).toFloatArray());
      Tensor e5 = Tensor.eye(5);
      for (int i = 0; i < 5; i++) {
        for (int j = 0; j < 5; j++) {
          assertEquals(i == j ? 1.0 : 0.0, e5.get(i, j), "eye(5)[" + i + "," + j + "]");
        }
      }
    }

    @Test
    void ofWithShapes() {
      Tensor t = Tensor.of(floats(1, 2, 3, 4, 5, 6), 2, 3);
      assertEquals(6.0, t.get(1, 2));
      assertEquals(4.0, t.get(1, 0));
      Tensor d = Tensor.of(new double[][] {{1, 2}, {3, 4}});
      assertEquals(DType.FLOAT64, d.dtype());
      assertEquals(3.0, d.get(1, 0));
      Tensor f = Tensor.of(new float[][] {{1, 2, 3}});
      assertArrayEquals(new long[] {1, 3}, f.shape());
      Tensor i = Tensor.ofInts(new int[] {1, 2, 3, 4}, 2, 2);
      assertEquals(DType.INT32, i.dtype());
      assertArrayEquals(new int[] {1, 2, 3, 4}, i.toIntArray());
      var e =
          assertThrows(
              IllegalArgumentException.class, () -> Tensor.of(floats(1, 2, 3, 4, 5), 2, 3));
      assertEquals("of: 5 values cannot fill shape [2,3] (6 elements)", e.getMessage());
      var rows =
          assertThrows(
              IllegalArgumentException.class, () -> Tensor.of(new float[][] {{1, 2}, {3}}));
      assertTrue(rows.getMessage().contains("row 1 has 1 values"), rows.getMessage());
      assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, -1));
    }

    @Test
    void randIsReproducibleFromItsSeed() {
      assertArrayEquals(
          Tensor.rand(new long[] {5, 7}, 42).toFloatArray(),
          Tensor.rand(new long[] {5, 7}, 42).toFloatArray());
      assertArrayEquals(
          Tensor.randn(new long[] {9}, 42).toFloatArray(),
          Tensor.randn(new long[] {9}, 42).toFloatArray());
      assertFalse(
          java.util.Arrays.equals(
              Tensor.rand(new long[] {8}, 1).toFloatArray(),
              Tensor.rand(new long[] {8}, 2).toFloatArray()));
      Tensor.manualSeed(7);
      float[] a = Tensor.rand(4).toFloatArray();
      float[] b = Tensor.randn(4).toFloatArray();
      Tensor.manualSeed(7);
      assertArrayEquals(a, Tensor.rand(4).toFloatArray());
      assertArrayEquals(b, Tensor.randn(4).toFloatArray());
      // Without reseeding, the next draw differs.
      assertFalse(java.util.Arrays.equals(a, Tensor.rand(4).toFloatArray()));
    }

    @Test
    void randAndRandnDrawTheSeedsSequenceInElementOrderAcrossChunks() {
      // 10 000 elements: more than one of the fill's 4 096-float chunks, on the Java heap or not.
      var gaussian = new java.util.SplittableRandom(3);
      var uniform = new java.util.SplittableRandom(3);
      float[] n = Tensor.randn(new long[] {100, 100}, 3).toFloatArray();
      float[] u = Tensor.rand(new long[] {100, 100}, 3).toFloatArray();
      for (int i = 0; i < n.length; i++) {
        assertEquals((float) gaussian.nextGaussian(), n[i], "randn element " + i);
        float v = (float) uniform.nextDouble();
        assertEquals(v < 1f ? v : Math.nextDown(1f), u[i], "rand element " + i);
      }
      float[] small = Tensor.randn(new long[] {3}, 3).toFloatArray();
      var again = new java.util.SplittableRandom(3);
      for (float x : small) {
        assertEquals((float) again.nextGaussian(), x);
      }
    }

    @Test
    void randStaysBelowOne() {
      // With seed 63433462 the first double is within half a float ulp of 1; rounded to float it
      // would be 1.0f.
      float v = Tensor.rand(new long[] {1}, 63433462).toFloatArray()[0];
      assertTrue(v < 1f && v > 0.9999f, "rand gave " + v);
      float[] many = Tensor.rand(new long[] {100_000}, 3).toFloatArray();
      for (float x : many) {
        assertTrue(x >= 0f && x < 1f);
      }
    }

    @Test
    void distributions() {
      double[] u = Tensor.rand(new long[] {200_000}, 11).toDoubleArray();
      double[] n = Tensor.randn(new long[] {200_000}, 12).toDoubleArray();
      double um = java.util.Arrays.stream(u).average().orElseThrow();
      double nm = java.util.Arrays.stream(n).average().orElseThrow();
      double nv = java.util.Arrays.stream(n).map(x -> (x - nm) * (x - nm)).average().orElseThrow();
      assertEquals(0.5, um, 0.005);
      assertEquals(0, nm, 0.01);
      assertEquals(1, nv, 0.02);
    }
  }

  @Nested
  class Views {
    Tensor grid() {
      return Tensor.arange(12).reshape(3, 4);
    }

    @Test
    void viewsShareMemory() {
      Tensor x = grid();
      Tensor t = x.transpose();
      Tensor row = x.select(0, 1);
      Tensor col = x.slice(1, 2, 3);
      Tensor flat = x.reshape(12);
      for (Tensor v :
          new Tensor[] {t, row, col, flat, x.permute(1, 0), x.unsqueeze(0), x.expand(2, 3, 4)}) {
        assertSame(x.view().storage(), v.view().storage());
      }
      try (var ng = Autograd.noGrad()) {
        x.slice(0, 1, 2).copyFrom(Tensor.full(-1, 1, 4));
      }
      assertArrayEquals(floats(-1, -1, -1, -1), row.toFloatArray());
      assertEquals(-1.0, t.get(2, 1));
      assertArrayEquals(floats(2, -1, 10), col.toFloatArray());
      assertEquals(-1.0, flat.get(5));
      // Writing through a view shows in the base.
      t.set(100, 3, 2);
      assertEquals(100.0, x.get(2, 3));
      row.fillInPlace(5);
      assertArrayEquals(floats(0, 1, 2, 3, 5, 5, 5, 5, 8, 9, 10, 100), x.toFloatArray());
    }

    @Test
    void reshapeOfNonContiguousCopies() {
      Tensor x = grid();
      Tensor r = x.transpose().reshape(12);
      assertNotSame(x.view().storage(), r.view().storage());
      assertArrayEquals(floats(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11), r.toFloatArray());
      x.set(-5, 0, 1);
      assertEquals(1.0, r.get(3), "the copy does not follow the original");
      // Contiguous reshape, even at an offset, is a view.
      Tensor tail = x.select(0, 2);
      assertTrue(tail.isContiguous());
      Tensor tailView = tail.reshape(2, 2);
      assertSame(x.view().storage(), tailView.view().storage());
      assertArrayEquals(floats(8, 9, 10, 11), tailView.toFloatArray());
      assertArrayEquals(new long[] {3, 4}, x.reshape(-1, 4).shape());
      assertArrayEquals(new long[] {12}, x.flatten().shape());
    }

    @Test
    void slices() {
      Tensor x = Tensor.arange(10);
      assertArrayEquals(floats(7, 8, 9), x.slice(0, -3, 10).toFloatArray());
      assertArrayEquals(floats(1, 4, 7), x.slice(0, 1, 8, 3).toFloatArray());
      assertArrayEquals(floats(0, 4, 8), x.slice(0, -100, 100, 4).toFloatArray());
      assertArrayEquals(floats(2, 3, 4, 5, 6, 7), x.slice(0, 2, -2).toFloatArray());
      assertEquals(0, x.slice(0, 5, 2).numel());
      assertEquals(0, x.slice(0, 20, 30).numel());
      Tensor s = x.slice(0, 1, 10, 2);
      assertArrayEquals(new long[] {2}, s.strides());
      assertEquals(1, s.offset());
      // Slice of a slice.
      assertArrayEquals(floats(3, 7), s.slice(0, 1, 5, 2).toFloatArray());
      Tensor g = grid();
      assertArrayEquals(floats(1, 3, 9, 11), g.slice(0, 0, 3, 2).slice(1, 1, 4, 2).toFloatArray());
      assertArrayEquals(floats(3, 7, 11), g.select(1, -1).toFloatArray());
    }

    @Test
    void expandAndBroadcastStrides() {
      Tensor col = Tensor.of(floats(1, 2, 3), 3, 1);
      Tensor e = col.expand(3, 4);
      assertArrayEquals(new long[] {1, 0}, e.strides());
      assertFalse(e.isContiguous());
      assertArrayEquals(floats(1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3), e.toFloatArray());
      Tensor row = Tensor.of(floats(1, 2, 3, 4));
      Tensor e3 = row.expand(2, 3, 4);
      assertArrayEquals(new long[] {0, 0, 1}, e3.strides());
      assertEquals(3.0, e3.get(1, 2, 2));
      assertArrayEquals(new long[] {3, 4}, col.expand(-1, 4).shape());
      assertSame(col, col.expand(3, 1));
    }

    @Test
    void squeezeUnsqueezePermute() {
      Tensor x = Tensor.arange(6).reshape(2, 1, 3);
      assertArrayEquals(new long[] {2, 3}, x.squeeze(1).shape());
      assertArrayEquals(new long[] {2, 1, 3, 1}, x.unsqueeze(-1).shape());
      assertArrayEquals(new long[] {1, 2, 1, 3}, x.unsqueeze(0).shape());
      Tensor p = x.permute(2, 0, 1);
      assertArrayEquals(new long[] {3, 2, 1}, p.shape());
      assertArrayEquals(floats(0, 3, 1, 4, 2, 5), p.toFloatArray());
      assertArrayEquals(new long[] {3}, Tensor.arange(3).transpose().shape());
    }

    @Test
    void contiguous() {
      Tensor x = grid();
      assertSame(x, x.contiguous());
      Tensor t = x.transpose();
      assertFalse(t.isContiguous());
      Tensor c = t.contiguous();
      assertTrue(c.isContiguous());
      assertNotSame(x.view().storage(), c.view().storage());
      assertArrayEquals(t.toFloatArray(), c.toFloatArray());
      Tensor copy = x.copy();
      assertNotSame(x.view().storage(), copy.view().storage());
      assertArrayEquals(x.toFloatArray(), copy.toFloatArray());
    }

    @Test
    void readingFromViews() {
      Tensor x = grid();
      Tensor t = x.transpose();
      assertEquals(9.0, t.get(1, 2));
      assertEquals(9.0, t.get(-3, -1));
      assertArrayEquals(floats(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11), t.toFloatArray());
      assertArrayEquals(new double[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, t.toDoubleArray());
      assertArrayEquals(new int[] {5, 9}, x.slice(0, 1, 3).select(1, 1).toIntArray());
      assertEquals(6.0, x.select(0, 1).select(0, 2).item());
      assertEquals(11.0, x.slice(0, 2, 3).slice(1, 3, 4).item());
      var e = assertThrows(IllegalStateException.class, () -> x.select(0, 1).item());
      assertTrue(e.getMessage().contains("[4]"), e.getMessage());
      assertThrows(IndexOutOfBoundsException.class, () -> x.get(3, 0));
      assertThrows(IndexOutOfBoundsException.class, () -> x.get(0, -5));
      assertThrows(IllegalArgumentException.class, () -> x.get(1));
    }
  }

  @Nested
  class Writing {
    @Test
    void setWritesOneElement() {
      Tensor x = Tensor.zeros(2, 3);
      assertSame(x, x.set(4.5, 1, 2));
      x.set(-1, -2, 0);
      assertArrayEquals(floats(-1, 0, 0, 0, 0, 4.5), x.toFloatArray());
      Tensor i = Tensor.zeros(DType.INT32, 2);
      i.set(3.9, 1);
      assertArrayEquals(new int[] {0, 3}, i.toIntArray());
      Tensor s = Tensor.scalar(0);
      s.set(2);
      assertEquals(2.0, s.item());
      assertThrows(IndexOutOfBoundsException.class, () -> x.set(1, 2, 0));
      assertThrows(IllegalArgumentException.class, () -> x.set(1, 0));
    }

    @Test
    void inPlaceOpsRefuseTensorsThatRequireGrad() {
      Tensor w = Tensor.ones(3).requiresGrad();
      for (Runnable r :
          new Runnable[] {
            () -> w.addInPlace(Tensor.ones(3)), () -> w.subInPlace(Tensor.ones(3)),
                () -> w.mulInPlace(2),
            () -> w.divInPlace(Tensor.ones(3)), () -> w.copyFrom(Tensor.zeros(3)),
                () -> w.fillInPlace(0),
            () -> w.set(0, 1)
          }) {
        var e = assertThrows(IllegalStateException.class, r::run);
        assertTrue(e.getMessage().contains("requires grad"), e.getMessage());
        assertTrue(e.getMessage().contains("noGrad"), e.getMessage());
      }
      assertArrayEquals(floats(1, 1, 1), w.toFloatArray());
      try (var ng = Autograd.noGrad()) {
        w.addInPlace(Tensor.ones(3)).mulInPlace(3).subInPlace(Tensor.of(floats(1, 2, 3)));
        w.set(0, 0);
      }
      assertArrayEquals(floats(0, 4, 3), w.toFloatArray());
      assertTrue(w.isGradRequired());
    }

    @Test
    void inPlaceBroadcastsTheOperandOnly() {
      Tensor x = Tensor.zeros(2, 3);
      x.addInPlace(Tensor.of(floats(1, 2, 3)));
      x.addInPlace(Tensor.of(floats(10, 20), 2, 1));
      assertArrayEquals(floats(11, 12, 13, 21, 22, 23), x.toFloatArray());
      x.divInPlace(Tensor.full(2, 2, 3));
      assertArrayEquals(floats(5.5, 6, 6.5, 10.5, 11, 11.5), x.toFloatArray());
      // In place on a transposed view.
      Tensor y = Tensor.arange(6).reshape(2, 3);
      y.transpose().addInPlace(Tensor.of(floats(100, 200)));
      assertArrayEquals(floats(100, 101, 102, 203, 204, 205), y.toFloatArray());
      var e =
          assertThrows(
              IllegalArgumentException.class, () -> Tensor.zeros(3).addInPlace(Tensor.zeros(2, 3)));
      assertEquals(
          "add" + "InPlace: operand of shape [2,3] does not broadcast to the target shape [3]",
          e.getMessage());
    }

    @Test
    void inPlaceWithAnOverlappingOperand() {
      // x += x^T reads elements that the same loop has already written, unless the operand is
      // copied first.
      Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
      x.addInPlace(x.transpose());
      assertArrayEquals(floats(2, 5, 5, 8), x.toFloatArray());
      Tensor y = Tensor.arange(5);
      y.slice(0, 1, 5).copyFrom(y.slice(0, 0, 4));
      assertArrayEquals(floats(0, 0, 1, 2, 3), y.toFloatArray());
      Tensor z = Tensor.arange(4);
      z.mulInPlace(z);
      assertArrayEquals(floats(0, 1, 4, 9), z.toFloatArray());
    }

    @Test
    void reshapeOfABroadcastViewCopies() {
      Tensor e = Tensor.of(floats(1, 2, 3)).reshape(3, 1).expand(3, 2);
      assertArrayEquals(floats(1, 1, 2, 2, 3, 3), e.reshape(6).toFloatArray());
      assertArrayEquals(floats(1, 2, 3, 1, 2, 3), e.transpose().reshape(6).toFloatArray());
    }

    @Test
    void copyFromConvertsAndBroadcasts() {
      Tensor x = Tensor.zeros(DType.INT32, 2, 2);
      x.copyFrom(Tensor.of(floats(1.9, -1.9)));
      assertArrayEquals(new int[] {1, -1, 1, -1}, x.toIntArray());
      Tensor d = Tensor.zeros(DType.FLOAT64, 3);
      d.copyFrom(Tensor.scalar(0.1));
      assertEquals((double) 0.1f, d.get(2));
    }
  }

  @Nested
  class Types {
    @Test
    void int32Arithmetic() {
      Tensor a = Tensor.ofInts(7, -7, 3, 10);
      Tensor b = Tensor.ofInts(2, 2, 5, -3);
      assertEquals(DType.INT32, a.add(b).dtype());
      assertArrayEquals(new int[] {9, -5, 8, 7}, a.add(b).toIntArray());
      assertArrayEquals(new int[] {14, -14, 15, -30}, a.mul(b).toIntArray());
      // Division truncates toward zero, as Java's int division.
      assertArrayEquals(new int[] {3, -3, 0, -3}, a.div(b).toIntArray());
      assertArrayEquals(new int[] {-7, 7, -3, -10}, a.neg().toIntArray());
      assertArrayEquals(new int[] {7, 7, 3, 10}, a.abs().toIntArray());
      assertArrayEquals(new int[] {49, 49, 9, 100}, a.square().toIntArray());
      assertArrayEquals(new int[] {7, 2, 5, 10}, a.maximum(b).toIntArray());
      assertArrayEquals(new int[] {1, 0, 0, 1}, a.gt(b).toIntArray());
      assertEquals(DType.INT32, a.gt(b).dtype());
      assertEquals(13.0, a.sum().item());
      assertEquals(DType.INT32, a.sum().dtype());
      assertEquals(DType.FLOAT32, a.mean().dtype());
      assertEquals(3.25, a.mean().item(), 1e-6);
      assertEquals(10.0, a.max().item());
      assertEquals(-7.0, a.min().item());
      assertEquals(DType.FLOAT32, a.exp().dtype());
      assertEquals(Math.exp(3), a.exp().get(2), 1e-4);
      assertArrayEquals(floats(7, -7, 3, 10), a.to(DType.FLOAT32).toFloatArray());
    }

    @Test
    void castsTruncateTowardZero() {
      Tensor f = Tensor.of(floats(2.7, -2.7, 0.5, -0.5, 1e9));
      assertArrayEquals(new int[] {2, -2, 0, 0, 1_000_000_000}, f.to(DType.INT32).toIntArray());
      Tensor t = Tensor.of(floats(1, 2, 3, 4, 5, 6), 2, 3).transpose();
      assertArrayEquals(new int[] {1, 4, 2, 5, 3, 6}, t.to(DType.INT32).toIntArray());
      assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, t.to(DType.FLOAT64).toDoubleArray());
      Tensor same = Tensor.zeros(2);
      assertSame(same, same.to(DType.FLOAT32));
    }

    @Test
    void float64KeepsDoublePrecision() {
      Tensor x = Tensor.of(1.0 + 1e-12, 1.0);
      double tiny =
          (1.0 + 1e-12)
              - 1.0; // about 1.00009e-12: what double arithmetic gives, and float32 could not
      assertEquals(tiny, x.sub(Tensor.of(1.0, 1.0)).get(0));
      assertEquals(tiny, x.select(0, 0).sub(x.select(0, 1)).item());
      Tensor third = Tensor.of(1.0, 2.0).div(Tensor.of(3.0, 3.0));
      assertEquals(1.0 / 3.0, third.get(0));
      assertEquals(Math.exp(0.1), Tensor.of(0.1).exp().item());
      assertEquals(Math.log(3.0), Tensor.of(3.0).log().item());
      double[] big = new double[1001];
      double expected = 0;
      for (int i = 0; i < big.length; i++) {
        big[i] = 1.0 / (i + 1);
        expected += big[i];
      }
      assertEquals(expected, Tensor.of(big).sum().item(), 1e-13);
      assertEquals(DType.FLOAT64, Tensor.of(big).matmul(Tensor.of(big)).dtype());
    }

    @Test
    void comparisonsGiveZeroOrOne() {
      // 19 elements: a SIMD body and a scalar tail on every vector width.
      float[] a = new float[19];
      float[] b = new float[19];
      for (int i = 0; i < a.length; i++) {
        a[i] = i % 3;
        b[i] = 1;
      }
      Tensor ta = Tensor.of(a);
      Tensor tb = Tensor.of(b);
      float[][] got = {
        ta.eq(tb).toFloatArray(),
        ta.ne(tb).toFloatArray(),
        ta.lt(tb).toFloatArray(),
        ta.le(tb).toFloatArray(),
        ta.gt(tb).toFloatArray(),
        ta.ge(tb).toFloatArray(),
        ta.gt(1).toFloatArray()
      };
      for (int i = 0; i < a.length; i++) {
        assertEquals(a[i] == 1 ? 1f : 0f, got[0][i]);
        assertEquals(a[i] != 1 ? 1f : 0f, got[1][i]);
        assertEquals(a[i] < 1 ? 1f : 0f, got[2][i]);
        assertEquals(a[i] <= 1 ? 1f : 0f, got[3][i]);
        assertEquals(a[i] > 1 ? 1f : 0f, got[4][i]);
        assertEquals(a[i] >= 1 ? 1f : 0f, got[5][i]);
        assertEquals(a[i] > 1 ? 1f : 0f, got[6][i]);
      }
      // NaN compares unequal to everything, itself included.
      Tensor n = Tensor.full(Float.NaN, 17);
      for (float v : n.eq(n).toFloatArray()) {
        assertEquals(0f, v);
      }
      for (float v : n.ne(n).toFloatArray()) {
        assertEquals(1f, v);
      }
      for (float v : n.lt(0).add(n.ge(0)).toFloatArray()) {
        assertEquals(0f, v);
      }
      assertArrayEquals(
          new double[] {0, 1},
          Tensor.of(1.0, 2.0).gt(Tensor.scalar(1.5, DType.FLOAT64)).toDoubleArray());
    }
  }

  @Test
  void tensorsDisplayTheirShapeAndValues() {
    String s = Tensor.of(floats(1, 2, 3, 4), 2, 2).toString();
    assertTrue(s.contains("1") && s.contains("4"), s);
    assertEquals("[2,2]", Tensor.zeros(2, 2).shapeString());
  }
}
