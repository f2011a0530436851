package dev.quiver.runtime.backend.cuda;

import static dev.quiver.runtime.backend.cuda.CudaTestSupport.assertClose;
import static dev.quiver.runtime.backend.cuda.CudaTestSupport.cpu;
import static dev.quiver.runtime.backend.cuda.CudaTestSupport.gpu;
import static dev.quiver.runtime.backend.cuda.CudaTestSupport.gpuEmpty;
import static dev.quiver.runtime.backend.cuda.CudaTestSupport.hostEmpty;
import static dev.quiver.runtime.backend.cuda.CudaTestSupport.hostRandom;
import static dev.quiver.runtime.backend.cuda.CudaTestSupport.tolerance;
import static dev.quiver.runtime.backend.cuda.CudaTestSupport.view;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.backend.ReduceOp;
import dev.quiver.runtime.backend.View;
import dev.quiver.runtime.math.ElementwiseMath.BinaryOp;
import dev.quiver.runtime.math.ElementwiseMath.UnaryOp;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every primitive op of the CUDA backend against the CPU backend, for every dtype and for dense,
 * transposed, offset and broadcast layouts. Skipped, with the reason, where no GPU is usable.
 */
class CudaBackendTest {
  private static final DType[] TYPES = {DType.FLOAT32, DType.FLOAT64, DType.INT32};

  /**
   * A layout of a [4, 5, 6] operand over a base tensor of 240 elements: dense, permuted,
   * offset+strided, broadcast.
   */
  private record Layout(String name, long[] shape, long[] strides, long offset) {}

  private static final long[] SHAPE = {4, 5, 6};
  private static final List<Layout> LAYOUTS =
      List.of(
          new Layout("dense", SHAPE, new long[] {30, 6, 1}, 0),
          new Layout("transposed", SHAPE, new long[] {1, 4, 20}, 0),
          new Layout("offset and strided", SHAPE, new long[] {60, 12, 2}, 1),
          new Layout("broadcast", SHAPE, new long[] {6, 0, 1}, 3));

  private static final long BASE = 240;

  /**
   * The backend under test: the real GPU here; the CPU emulation in {@link
   * EmulatedCudaBackendTest}.
   */
  protected CudaBackend backend() {
    return gpu();
  }

  /**
   * Shape of the reduction test: large enough for every strategy on a GPU, smaller where emulated.
   */
  protected long[] reductionShape() {
    return new long[] {64, 33, 170};
  }

  @Test
  void unaryOpsMatchTheCpu() {
    CudaBackend g = backend();
    for (DType t : TYPES) {
      View base = hostRandom(t, 1, -3, 3, BASE);
      View gBase = g.fromHost(base);
      for (Layout l : LAYOUTS) {
        View hx = view(base, l.shape, l.strides, l.offset);
        View gx = view(gBase, l.shape, l.strides, l.offset);
        for (UnaryOp op : UnaryOp.values()) {
          // int32 inputs of non-integer ops give float32, as the ops layer asks.
          boolean keepsInt =
              switch (op) {
                case NEG, ABS, SQUARE, SIGN, RELU, STEP -> true;
                default -> false;
              };
          DType outType = t == DType.INT32 && !keepsInt ? DType.FLOAT32 : t;
          View hy = hostEmpty(outType, SHAPE);
          View gy = gpuEmpty(g, outType, SHAPE);
          cpu().unary(op, hx, hy);
          g.unary(op, gx, gy);
          assertClose(hy, g.toHost(gy), tolerance(outType) * 4, op + " " + t + " " + l.name);
        }
      }
    }
  }

  @Test
  void unaryInPlaceAliasesExactly() {
    CudaBackend g = backend();
    View h = hostRandom(DType.FLOAT32, 2, -3, 3, SHAPE);
    View d = g.fromHost(h);
    cpu().unary(UnaryOp.TANH, h, h);
    g.unary(UnaryOp.TANH, d, d);
    assertClose(h, g.toHost(d), 1e-5, "in-place tanh");
  }

  @Test
  void binaryOpsMatchTheCpu() {
    CudaBackend g = backend();
    for (DType t : TYPES) {
      View aBase = hostRandom(t, 3, -4, 4, BASE);
      View bBase = hostRandom(t, 4, -4, 4, BASE);
      // Shared values so that EQ/LE/GE see equal pairs.
      for (int i = 0; i < BASE; i += 7) {
        cpu().set(bBase, i, cpu().get(aBase, i));
      }
      View gaBase = g.fromHost(aBase);
      View gbBase = g.fromHost(bBase);
      for (Layout la : LAYOUTS) {
        Layout lb = LAYOUTS.get((LAYOUTS.indexOf(la) + 1) % LAYOUTS.size());
        for (BinaryOp op : BinaryOp.values()) {
          View hy = hostEmpty(t, SHAPE);
          View gy = gpuEmpty(g, t, SHAPE);
          cpu()
              .binary(
                  op,
                  view(aBase, la.shape, la.strides, la.offset),
                  view(bBase, lb.shape, lb.strides, lb.offset),
                  hy);
          g.binary(
              op,
              view(gaBase, la.shape, la.strides, la.offset),
              view(gbBase, lb.shape, lb.strides, lb.offset),
              gy);
          assertClose(
              hy,
              g.toHost(gy),
              tolerance(t) * 4,
              op + " " + t + " " + la.name + " with " + lb.name);
        }
      }
    }
  }

  @Test
  void maxAndMinPropagateNaNAsTheCpuDoes() {
    CudaBackend g = backend();
    View a = hostEmpty(DType.FLOAT32, 4);
    View b = hostEmpty(DType.FLOAT32, 4);
    double[][] pairs = {{Double.NaN, 1}, {1, Double.NaN}, {-0.0, 0.0}, {2, -3}};
    for (int i = 0; i < 4; i++) {
      cpu().set(a, i, pairs[i][0]);
      cpu().set(b, i, pairs[i][1]);
    }
    for (BinaryOp op : List.of(BinaryOp.MAX, BinaryOp.MIN)) {
      View hy = hostEmpty(DType.FLOAT32, 4);
      View gy = gpuEmpty(g, DType.FLOAT32, 4);
      cpu().binary(op, a, b, hy);
      g.binary(op, g.fromHost(a), g.fromHost(b), gy);
      View back = g.toHost(gy);
      for (int i = 0; i < 4; i++) {
        assertEquals(
            Double.doubleToLongBits(cpu().get(hy, i)),
            Double.doubleToLongBits(cpu().get(back, i)),
            op + " of " + pairs[i][0] + ", " + pairs[i][1]);
      }
    }
  }

  @Test
  void whereMatchesTheCpuForEveryConditionType() {
    CudaBackend g = backend();
    for (DType ct : TYPES) {
      for (DType t : TYPES) {
        View c = hostRandom(ct, 5, -1, 1, SHAPE);
        View a = hostRandom(t, 6, -9, 9, SHAPE);
        View b = hostRandom(t, 7, -9, 9, 6);
        View bView = view(b, SHAPE, new long[] {0, 0, 1}, 0);
        View hy = hostEmpty(t, SHAPE);
        View gy = gpuEmpty(g, t, SHAPE);
        cpu().where(c, a, bView, hy);
        g.where(
            g.fromHost(c), g.fromHost(a), view(g.fromHost(b), SHAPE, new long[] {0, 0, 1}, 0), gy);
        assertClose(hy, g.toHost(gy), 0, "where " + ct + " ? " + t);
      }
    }
  }

  @Test
  void copyConvertsBetweenEveryPairOfTypes() {
    CudaBackend g = backend();
    for (DType from : TYPES) {
      View base = hostRandom(from, 8, -1e3, 1e3, BASE);
      View gBase = g.fromHost(base);
      for (DType to : TYPES) {
        for (Layout l : LAYOUTS) {
          View hy = hostEmpty(to, SHAPE);
          View gy = gpuEmpty(g, to, SHAPE);
          cpu().copy(view(base, l.shape, l.strides, l.offset), hy);
          g.copy(view(gBase, l.shape, l.strides, l.offset), gy);
          assertClose(hy, g.toHost(gy), 0, "copy " + from + " -> " + to + " " + l.name);
        }
      }
    }
  }

  @Test
  void fillWritesOnlyTheView() {
    CudaBackend g = backend();
    for (DType t : TYPES) {
      View h = hostRandom(t, 9, -5, 5, BASE);
      View d = g.fromHost(h);
      Layout l = LAYOUTS.get(2);
      cpu().fill(view(h, l.shape, l.strides, l.offset), 2.75);
      g.fill(view(d, l.shape, l.strides, l.offset), 2.75);
      assertClose(h, g.toHost(d), 0, "fill " + t);
    }
  }

  @Test
  void reductionsMatchTheCpuOverEveryAxisSet() {
    CudaBackend g = backend();
    long[] shape = reductionShape();
    int[][] axisSets = {{0}, {1}, {2}, {0, 2}, {0, 1, 2}};
    for (DType t : TYPES) {
      View x = hostRandom(t, 10, -5, 5, shape);
      if (t != DType.INT32) {
        cpu().set(x, x.numel() / 3, Double.NaN); // max/min must propagate it
      }
      View gx = g.fromHost(x);
      for (int[] axes : axisSets) {
        long[] outShape = shape.clone();
        for (int a : axes) {
          outShape[a] = 1;
        }
        for (ReduceOp op : ReduceOp.values()) {
          View hy = hostEmpty(t, outShape);
          View gy = gpuEmpty(g, t, outShape);
          cpu().reduce(op, x, hy);
          g.reduce(op, gx, gy);
          // Sums add in another order: relative to the magnitude of the terms, not of the result.
          double tol = op == ReduceOp.SUM ? (t == DType.FLOAT32 ? 1e-3 : 1e-9) : 0;
          assertClose(
              hy, g.toHost(gy), tol, op + " " + t + " over " + java.util.Arrays.toString(axes));
        }
      }
    }
  }

  @Test
  void largeFullSumUsesSplitsAndStaysAccurate() {
    CudaBackend g = backend();
    View x = hostRandom(DType.FLOAT64, 11, 0, 1, 3_000_000);
    View hy = hostEmpty(DType.FLOAT64, 1);
    View gy = gpuEmpty(g, DType.FLOAT64, 1);
    cpu().reduce(ReduceOp.SUM, x, hy);
    g.reduce(ReduceOp.SUM, g.fromHost(x), gy);
    assertClose(hy, g.toHost(gy), 1e-12, "sum of 3e6 doubles");
  }

  @Test
  void argReduceMatchesTheCpu() {
    CudaBackend g = backend();
    long[] shape = {7, 9, 11};
    for (DType t : TYPES) {
      View x = hostRandom(t, 12, -3, 3, shape);
      View gx = g.fromHost(x);
      for (int axis = 0; axis < 3; axis++) {
        for (boolean max : new boolean[] {true, false}) {
          long[] outShape = shape.clone();
          outShape[axis] = 1;
          View hy = hostEmpty(DType.INT32, outShape);
          View gy = gpuEmpty(g, DType.INT32, outShape);
          cpu().argReduce(x, axis, max, hy);
          g.argReduce(gx, axis, max, gy);
          assertClose(hy, g.toHost(gy), 0, (max ? "argmax " : "argmin ") + t + " axis " + axis);
        }
      }
    }
  }

  @Test
  void matmulMatchesTheCpuForShapesLayoutsAndBatches() {
    CudaBackend g = backend();
    for (DType t : List.of(DType.FLOAT32, DType.FLOAT64)) {
      for (long[] mkn : new long[][] {{1, 1, 1}, {33, 65, 17}, {128, 64, 256}}) {
        long m = mkn[0];
        long k = mkn[1];
        long n = mkn[2];
        View a = hostRandom(t, 13, -1, 1, m, k);
        View b = hostRandom(t, 14, -1, 1, k, n);
        View at = hostRandom(t, 15, -1, 1, k, m); // read as its transpose
        check(g, a, b, t, m, n, "dense " + m + "x" + k + "x" + n);
        View atView = view(at, new long[] {m, k}, new long[] {1, m}, 0);
        View gAtView = view(g.fromHost(at), new long[] {m, k}, new long[] {1, m}, 0);
        View hy = hostEmpty(t, m, n);
        View gy = gpuEmpty(g, t, m, n);
        cpu().matmul(atView, b, hy);
        g.matmul(gAtView, g.fromHost(b), gy);
        assertClose(hy, g.toHost(gy), t == DType.FLOAT32 ? 1e-4 : 1e-10, "transposed a " + t);
      }
      // Batched [3, 2, m, k] x broadcast [k, n] (batch stride 0).
      long m = 9;
      long k = 13;
      long n = 5;
      View a = hostRandom(t, 16, -1, 1, 3, 2, m, k);
      View b = hostRandom(t, 17, -1, 1, k, n);
      long[] bShape = {3, 2, k, n};
      long[] bStrides = {0, 0, n, 1};
      View hy = hostEmpty(t, 3, 2, m, n);
      View gy = gpuEmpty(g, t, 3, 2, m, n);
      cpu().matmul(a, view(b, bShape, bStrides, 0), hy);
      g.matmul(g.fromHost(a), view(g.fromHost(b), bShape, bStrides, 0), gy);
      assertClose(
          hy, g.toHost(gy), t == DType.FLOAT32 ? 1e-4 : 1e-10, "batched with broadcast " + t);
    }
  }

  static void check(CudaBackend g, View a, View b, DType t, long m, long n, String what) {
    View hy = hostEmpty(t, m, n);
    View gy = gpuEmpty(g, t, m, n);
    cpu().matmul(a, b, hy);
    g.matmul(g.fromHost(a), g.fromHost(b), gy);
    assertClose(hy, g.toHost(gy), t == DType.FLOAT32 ? 1e-4 : 1e-10, what + " " + t);
  }

  @Test
  void int32MatmulIsExact() {
    CudaBackend g = backend();
    View a = hostRandom(DType.INT32, 18, -9, 9, 6, 7);
    View b = hostRandom(DType.INT32, 19, -9, 9, 7, 4);
    View gy = gpuEmpty(g, DType.INT32, 6, 4);
    g.matmul(g.fromHost(a), g.fromHost(b), gy);
    View back = g.toHost(gy);
    for (int i = 0; i < 6; i++) {
      for (int j = 0; j < 4; j++) {
        double s = 0;
        for (int p = 0; p < 7; p++) {
          s += cpu().get(a, i * 7 + p) * cpu().get(b, p * 4 + j);
        }
        assertEquals(s, cpu().get(back, i * 4 + j), "int32 matmul [" + i + ", " + j + "]");
      }
    }
  }

  @Test
  void gatherAndScatterAddMatchTheCpu() {
    CudaBackend g = backend();
    for (DType t : TYPES) {
      View x = hostRandom(t, 20, -5, 5, 6, 8);
      for (int axis = 0; axis < 2; axis++) {
        long size = axis == 0 ? 6 : 8;
        View index = hostRandom(DType.INT32, 21 + axis, 0, size - 1, 10, 8);
        if (axis == 1) {
          index = hostRandom(DType.INT32, 23, 0, size - 1, 6, 12);
        }
        View hy = hostEmpty(t, index.shape());
        View gy = gpuEmpty(g, t, index.shape());
        cpu().gather(x, axis, index, hy);
        View gIndex = g.fromHost(index);
        g.gather(g.fromHost(x), axis, gIndex, gy);
        assertClose(hy, g.toHost(gy), 0, "gather " + t + " axis " + axis);

        View hOut = hostRandom(t, 24, -1, 1, 6, 8);
        View gOut = g.fromHost(hOut);
        View src = hostRandom(t, 25, -2, 2, index.shape());
        cpu().scatterAdd(hOut, axis, index, src);
        g.scatterAdd(gOut, axis, gIndex, g.fromHost(src));
        assertClose(hOut, g.toHost(gOut), tolerance(t) * 10, "scatterAdd " + t + " axis " + axis);
      }
    }
  }

  @Test
  void badGatherIndexIsReportedAtTheNextRead() {
    CudaBackend g = backend();
    View x = hostRandom(DType.FLOAT32, 26, 0, 1, 4, 3);
    View index = hostEmpty(DType.INT32, 2, 3);
    for (int i = 0; i < 6; i++) {
      cpu().set(index, i, i == 4 ? 7 : 1);
    }
    View gy = gpuEmpty(g, DType.FLOAT32, 2, 3);
    g.gather(g.fromHost(x), 0, g.fromHost(index), gy);
    IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> g.toHost(gy));
    assertTrue(
        e.getMessage().contains("index 7") && e.getMessage().contains("axis 0 of size 4"),
        e.getMessage());
    // Reported once: the device works on.
    g.toHost(gy);
  }

  @Test
  void fusedProgramMatchesTheCpu() {
    CudaBackend g = backend();
    var program = CudaKernelSourcesPtxTest.adamLikeProgram();
    View p = hostRandom(DType.FLOAT32, 31, -1, 1, 300, 70);
    View m = hostRandom(DType.FLOAT32, 32, -1, 1, 300, 70);
    View v = hostRandom(DType.FLOAT32, 33, 0, 1, 70);
    long[] shape = {300, 70};
    long[] vStrides = {0, 1};
    View hy = hostEmpty(DType.FLOAT32, shape);
    View gy = gpuEmpty(g, DType.FLOAT32, shape);
    assertTrue(cpu().fused(program, new View[] {p, m, view(v, shape, vStrides, 0)}, hy));
    assertTrue(
        g.fused(
            program,
            new View[] {g.fromHost(p), g.fromHost(m), view(g.fromHost(v), shape, vStrides, 0)},
            gy));
    assertClose(hy, g.toHost(gy), 1e-5, "fused adam-like update");
  }

  @Test
  void logSoftmaxMatchesTheCpu() {
    CudaBackend g = backend();
    View x = hostRandom(DType.FLOAT32, 27, -20, 20, 37, 1000);
    cpu().set(x, 5, Double.NaN);
    View hy = hostEmpty(DType.FLOAT32, 37, 1000);
    View gy = gpuEmpty(g, DType.FLOAT32, 37, 1000);
    assertTrue(cpu().logSoftmaxLastAxis(x, hy));
    assertTrue(g.logSoftmaxLastAxis(g.fromHost(x), gy));
    assertClose(hy, g.toHost(gy), 1e-5, "log-softmax");
  }

  @Test
  void getSetAndLargeTransfersRoundTrip() {
    CudaBackend g = backend();
    for (long n :
        new long[] {1, 1000, 300_000, 5_000_000}) { // below, at and far above the staging threshold
      View h = hostRandom(DType.FLOAT32, 28, -1, 1, n);
      View d = g.fromHost(h);
      assertClose(h, g.toHost(d), 0, "round trip of " + n);
      assertEquals(cpu().get(h, n - 1), g.get(d, n - 1));
      g.set(d, 0, 42.5);
      assertEquals(42.5, g.get(d, 0));
    }
    View strided =
        view(hostRandom(DType.FLOAT64, 29, -1, 1, 20), new long[] {4, 5}, new long[] {1, 4}, 0);
    assertClose(strided, g.toHost(g.fromHost(strided)), 0, "strided host view");
  }

  /**
   * Backend.fromHost's promise: the runtime may free or overwrite the host tensor as soon as the
   * call returns. The small path relies on the driver having taken pageable memory in before
   * cuMemcpyHtoDAsync returns, the staged one on waiting for its last chunk: on a GPU, this is what
   * checks both.
   */
  @Test
  void fromHostIsDoneReadingWhenItReturns() {
    CudaBackend g = backend();
    for (long n : new long[] {1000, 300_000, 2_500_000}) {
      View h = hostRandom(DType.FLOAT32, 31, -1, 1, n);
      View expected = hostEmpty(DType.FLOAT32, n);
      cpu().copy(h, expected);
      View d = g.fromHost(h);
      cpu().fill(h, Double.NaN); // at once, before anything waits for the device
      h.storage().release();
      assertClose(
          expected,
          g.toHost(d),
          0,
          "a device copy of " + n + " floats whose source was overwritten");
    }
  }

  /**
   * A block freed while the kernel reading it is still queued goes back to the cache and may be
   * handed out at once: the next user's work is queued behind on the same stream, so the queued
   * kernel still reads the old values. On a GPU the exp below runs after fill has been queued.
   */
  @Test
  void aBlockFreedWhileItsKernelIsQueuedIsReusedInOrder() {
    CudaBackend g = backend();
    long n = (1 << 20) + 3; // a size class no other test uses
    View h = hostRandom(DType.FLOAT32, 32, -2, 2, n);
    View x = g.fromHost(h);
    View y = gpuEmpty(g, DType.FLOAT32, n);
    g.unary(UnaryOp.EXP, x, y);
    x.storage().release(); // back to the cache with exp still queued (or running) on it
    View[] reused = new View[3];
    for (int i = 0; i < reused.length; i++) {
      reused[i] = gpuEmpty(g, DType.FLOAT32, n); // the first of these is x's block again
      g.fill(reused[i], 7);
    }
    View expected = hostEmpty(DType.FLOAT32, n);
    cpu().unary(UnaryOp.EXP, h, expected);
    assertClose(
        expected,
        g.toHost(y),
        tolerance(DType.FLOAT32),
        "exp of the values the block held when it was queued");
  }

  /**
   * Ops from several threads at once on one device: each thread's kernel arguments, context and
   * transfers are its own, and the stream and caches are shared. (Not emulated: the emulator runs a
   * launch on the calling thread with process-wide state.)
   */
  @Test
  void opsFromSeveralThreadsAtOnce() throws Exception {
    CudaBackend g = backend();
    int threads = 4;
    Throwable[] failures = new Throwable[threads];
    Thread[] running = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      int id = t;
      running[t] =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      for (int i = 0; i < 25; i++) {
                        long n = 1000L * (id + 1) + i;
                        View a = hostRandom(DType.FLOAT64, 100 * id + i, -1, 1, n);
                        View b = hostRandom(DType.FLOAT64, 100 * id + i + 50, -1, 1, n);
                        View expected = hostEmpty(DType.FLOAT64, n);
                        cpu().binary(BinaryOp.MUL, a, b, expected);
                        View y = gpuEmpty(g, DType.FLOAT64, n);
                        g.binary(BinaryOp.MUL, g.fromHost(a), g.fromHost(b), y);
                        assertClose(expected, g.toHost(y), 0, "thread " + id + " step " + i);
                      }
                    } catch (Throwable e) {
                      failures[id] = e;
                    }
                  });
    }
    for (int t = 0; t < threads; t++) {
      running[t].join();
      if (failures[t] != null) {
        throw new AssertionError("thread " + t + ": " + failures[t], failures[t]);
      }
    }
  }

  @Test
  void operandOnAnotherDeviceIsAClearError() {
    CudaBackend g = backend();
    View host = hostRandom(DType.FLOAT32, 30, 0, 1, 3);
    View d = g.fromHost(host);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> g.binary(BinaryOp.ADD, d, host, gpuEmpty(g, DType.FLOAT32, 3)));
    assertTrue(e.getMessage().contains("cpu") && e.getMessage().contains("cuda:0"), e.getMessage());
  }

  @Test
  void backendIsRegisteredForItsDevice() {
    CudaBackend g = backend();
    assertEquals(g, dev.quiver.runtime.backend.Backends.of(dev.quiver.runtime.Device.cuda(0)));
    assertTrue(g.describe().startsWith("cuda:0 "), g.describe());
  }
}
