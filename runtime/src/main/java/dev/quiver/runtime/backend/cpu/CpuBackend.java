package dev.quiver.runtime.backend.cpu;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.backend.Backend;
import dev.quiver.runtime.backend.ConvGeometry;
import dev.quiver.runtime.backend.ElementwiseProgram;
import dev.quiver.runtime.backend.GemmConvolution;
import dev.quiver.runtime.backend.OptimizerStep;
import dev.quiver.runtime.backend.PoolGeometry;
import dev.quiver.runtime.backend.ReduceOp;
import dev.quiver.runtime.backend.View;
import dev.quiver.runtime.math.ElementwiseMath.BinaryOp;
import dev.quiver.runtime.math.ElementwiseMath.UnaryOp;
import dev.quiver.runtime.memory.HostStorage;
import dev.quiver.runtime.memory.MemoryScope;
import dev.quiver.runtime.memory.Storage;
import java.lang.foreign.MemorySegment;

/**
 * The CPU backend: tensors in host memory, computed by Vector API kernels on a shared worker pool.
 */
public final class CpuBackend implements Backend {
  // Interrupt messages name the op; computing the name per call cost an allocation on every small
  // op.
  private static final String[] UNARY_NAMES = names(UnaryOp.values());
  private static final String[] BINARY_NAMES = names(BinaryOp.values());

  private static String[] names(Enum<?>[] ops) {
    String[] n = new String[ops.length];
    for (int i = 0; i < ops.length; i++) {
      n[i] = ops[i].name().toLowerCase(java.util.Locale.ROOT);
    }
    return n;
  }

  /**
   * True when every operand is dense row-major: operands are already broadcast to {@code out}'s
   * shape (the backend contract), so then they all cover the same elements in the same order and
   * the op is one flat run of {@code numel} elements. A broadcast operand (stride 0) is never
   * dense.
   */
  private static boolean dense(View a, View out) {
    return out.isContiguous() && a.isContiguous();
  }

  /**
   * True for a float32 matrix with unit column stride, rows of more than one element, small enough
   * for one thread: the form {@link BinaryF32} and {@link ReduceKernels} take in one call.
   */
  private static boolean matrixRows(View v, DType t) {
    return t == DType.FLOAT32
        && v.dim() == 2
        && v.size(1) > 1
        && v.stride(1) == 1
        && v.size(0) * v.size(1) < StridedLoop.PARALLEL_THRESHOLD;
  }

  /** A float32 operand of a {@link #matrixRows} result: its columns contiguous or broadcast. */
  private static boolean unitOrZero(View v, DType t) {
    return t == DType.FLOAT32 && v.dim() == 2 && (v.stride(1) == 1 || v.stride(1) == 0);
  }

  /** A flat run of n elements, split over the worker pool when large enough to pay for it. */
  private static void flat(String op, long n, Parallel.RangeBody body) {
    if (n < StridedLoop.PARALLEL_THRESHOLD || Parallel.threads() == 1) {
      body.run(0, n);
      return;
    }
    long grain = Math.max(1L << 14, n / (4L * Parallel.threads())) & -16L;
    Parallel.parallelFor(
        0,
        n,
        grain,
        (from, to) -> {
          body.run(from, to);
          Parallel.checkInterrupt(op);
        });
  }

  @Override
  public Device device() {
    return Device.CPU;
  }

  @Override
  public Storage allocate(long bytes, MemoryScope owner) {
    return HostStorage.allocate(bytes, owner);
  }

  @Override
  public Storage allocate(long bytes, DType dtype, MemoryScope owner) {
    return HostStorage.allocate(bytes, dtype.layout().carrier(), owner);
  }

  @Override
  public void fill(View out, double value) {
    if (HeapF32.fill(out, value)) {
      return;
    }
    MemorySegment y = out.hostSegment();
    DType yt = out.dtype();
    if (out.isContiguous()) {
      long yo = out.offset();
      long n = out.numel();
      if (n < StridedLoop.PARALLEL_THRESHOLD || Parallel.threads() == 1) {
        // What flat would run on this thread, without a lambda per call: a training step fills
        // several small tensors (gradients' zeros, reductions' starts).
        ElementwiseKernels.fillRun(y, yt, yo, 1, n, value);
        return;
      }
      flat(
          "fill",
          n,
          (from, to) -> ElementwiseKernels.fillRun(y, yt, yo + from, 1, to - from, value));
      return;
    }
    StridedLoop loop =
        StridedLoop.of(out.shape(), new long[][] {out.strides()}, new long[] {out.offset()});
    // The run's own stride: a strided view (a diagonal, a column) must not be filled as if dense.
    long ys = loop.innerStride(0);
    loop.runParallel("fill", (o, n) -> ElementwiseKernels.fillRun(y, yt, o[0], ys, n, value));
  }

  @Override
  public void copy(View src, View out) {
    if (HeapF32.copy(src, out)) {
      return;
    }
    MemorySegment x = src.hostSegment();
    MemorySegment y = out.hostSegment();
    DType xt = src.dtype();
    DType yt = out.dtype();
    if (dense(src, out)) {
      long xo = src.offset();
      long yo = out.offset();
      flat(
          "copy",
          out.numel(),
          (from, to) ->
              ElementwiseKernels.copyRun(x, xt, xo + from, 1, y, yt, yo + from, 1, to - from));
      return;
    }
    StridedLoop loop =
        StridedLoop.of(
            out.shape(),
            new long[][] {src.strides(), out.strides()},
            new long[] {src.offset(), out.offset()});
    long xs = loop.innerStride(0);
    long ys = loop.innerStride(1);
    loop.runParallel(
        "copy", (o, n) -> ElementwiseKernels.copyRun(x, xt, o[0], xs, y, yt, o[1], ys, n));
  }

  @Override
  public void unary(UnaryOp op, View x, View out) {
    if (HeapF32.unary(op, x, out)) {
      return;
    }
    MemorySegment xm = x.hostSegment();
    MemorySegment ym = out.hostSegment();
    DType xt = x.dtype();
    DType yt = out.dtype();
    String name = UNARY_NAMES[op.ordinal()];
    if (dense(x, out)) {
      // The small-op fast path: no loop planning, no stride arrays.
      long n = out.numel();
      long xo = x.offset();
      long yo = out.offset();
      if (n < StridedLoop.PARALLEL_THRESHOLD) {
        ElementwiseKernels.unaryRun(op, xm, xt, xo, 1, ym, yt, yo, 1, n);
      } else {
        flat(
            name,
            n,
            (from, to) ->
                ElementwiseKernels.unaryRun(
                    op, xm, xt, xo + from, 1, ym, yt, yo + from, 1, to - from));
      }
      return;
    }
    StridedLoop loop =
        StridedLoop.of(
            out.shape(),
            new long[][] {x.strides(), out.strides()},
            new long[] {x.offset(), out.offset()});
    long xs = loop.innerStride(0);
    long ys = loop.innerStride(1);
    loop.runParallel(
        name, (o, n) -> ElementwiseKernels.unaryRun(op, xm, xt, o[0], xs, ym, yt, o[1], ys, n));
  }

  @Override
  public void binary(BinaryOp op, View a, View b, View out) {
    if (HeapF32.binary(op, a, b, out)) {
      return;
    }
    MemorySegment am = a.hostSegment();
    MemorySegment bm = b.hostSegment();
    MemorySegment ym = out.hostSegment();
    DType at = a.dtype();
    DType bt = b.dtype();
    DType yt = out.dtype();
    String name = BINARY_NAMES[op.ordinal()];
    if (dense(a, out) && b.isContiguous()) {
      // The small-op fast path: no loop planning, no stride arrays.
      long n = out.numel();
      long ao = a.offset();
      long bo = b.offset();
      long yo = out.offset();
      if (n < StridedLoop.PARALLEL_THRESHOLD) {
        ElementwiseKernels.binaryRun(op, am, at, ao, 1, bm, bt, bo, 1, ym, yt, yo, 1, n);
      } else {
        flat(
            name,
            n,
            (from, to) ->
                ElementwiseKernels.binaryRun(
                    op, am, at, ao + from, 1, bm, bt, bo + from, 1, ym, yt, yo + from, 1,
                    to - from));
      }
      return;
    }
    if (matrixRows(out, yt) && unitOrZero(a, at) && unitOrZero(b, bt)) {
      // A matrix and a bias row or column, planned without a loop object: every row in one call.
      BinaryF32.run(
          op,
          am,
          a.offset(),
          a.stride(1) == 0,
          a.stride(0),
          bm,
          b.offset(),
          b.stride(1) == 0,
          b.stride(0),
          ym,
          out.offset(),
          out.stride(0),
          out.size(0),
          out.size(1));
      return;
    }
    StridedLoop loop =
        StridedLoop.of(
            out.shape(),
            new long[][] {a.strides(), b.strides(), out.strides()},
            new long[] {a.offset(), b.offset(), out.offset()});
    long as = loop.innerStride(0);
    long bs = loop.innerStride(1);
    long ys = loop.innerStride(2);
    if (loop.isRows()
        && at == DType.FLOAT32
        && bt == DType.FLOAT32
        && yt == DType.FLOAT32
        && ys == 1
        && (as == 1 || as == 0)
        && (bs == 1 || bs == 0)
        && loop.totalElements() < StridedLoop.PARALLEL_THRESHOLD) {
      // A matrix and a broadcast row or column (a bias): every row in one call.
      BinaryF32.run(
          op,
          am,
          loop.offset(0),
          as == 0,
          loop.rowStride(0),
          bm,
          loop.offset(1),
          bs == 0,
          loop.rowStride(1),
          ym,
          loop.offset(2),
          loop.rowStride(2),
          loop.rows(),
          loop.innerLength());
      return;
    }
    loop.runParallel(
        name,
        (o, n) ->
            ElementwiseKernels.binaryRun(
                op, am, at, o[0], as, bm, bt, o[1], bs, ym, yt, o[2], ys, n));
  }

  @Override
  public void where(View cond, View a, View b, View out) {
    MemorySegment cm = cond.hostSegment();
    MemorySegment am = a.hostSegment();
    MemorySegment bm = b.hostSegment();
    MemorySegment ym = out.hostSegment();
    StridedLoop loop =
        StridedLoop.of(
            out.shape(),
            new long[][] {cond.strides(), a.strides(), b.strides(), out.strides()},
            new long[] {cond.offset(), a.offset(), b.offset(), out.offset()});
    long cs = loop.innerStride(0);
    long as = loop.innerStride(1);
    long bs = loop.innerStride(2);
    long ys = loop.innerStride(3);
    loop.runParallel(
        "where",
        (o, n) ->
            ElementwiseKernels.whereRun(
                cm,
                cond.dtype(),
                o[0],
                cs,
                am,
                a.dtype(),
                o[1],
                as,
                bm,
                b.dtype(),
                o[2],
                bs,
                ym,
                out.dtype(),
                o[3],
                ys,
                n));
  }

  @Override
  public boolean fused(ElementwiseProgram program, View[] inputs, View out) {
    return FusedKernel.run(program, inputs, out);
  }

  @Override
  public void reduce(ReduceOp op, View x, View out) {
    fill(out, op.identity());
    if (matrixRows(x, x.dtype())
        && out.dtype() == DType.FLOAT32
        && ReduceKernels.accumulateRowsF32(
            op,
            x.hostSegment(),
            x.offset(),
            x.stride(0),
            out.hostSegment(),
            out.offset(),
            out.size(1) == 1 ? 0 : out.stride(1),
            out.size(0) == 1 ? 0 : out.stride(0),
            x.size(0),
            x.size(1))) {
      // A column sum (a bias gradient) or row sums, planned without a loop object.
      return;
    }
    long[] xShape = x.shape();
    long[] outStrides = out.strides();
    long[] outShape = out.shape();
    // View out with stride 0 along the reduced axes, so reducing is accumulating x into it.
    for (int i = 0; i < xShape.length; i++) {
      if (outShape[i] == 1) {
        outStrides[i] = 0;
      }
    }
    MemorySegment xm = x.hostSegment();
    MemorySegment ym = out.hostSegment();
    StridedLoop loop =
        StridedLoop.of(
            xShape, new long[][] {x.strides(), outStrides}, new long[] {x.offset(), out.offset()});
    long xs = loop.innerStride(0);
    long ys = loop.innerStride(1);
    if (loop.isRows()
        && x.dtype() == DType.FLOAT32
        && out.dtype() == DType.FLOAT32
        && xs == 1
        && loop.totalElements() < StridedLoop.PARALLEL_THRESHOLD
        && ReduceKernels.accumulateRowsF32(
            op,
            xm,
            loop.offset(0),
            loop.rowStride(0),
            ym,
            loop.offset(1),
            ys,
            loop.rowStride(1),
            loop.rows(),
            loop.innerLength())) {
      return;
    }
    // Several runs may accumulate into the same output element, so this loop stays on one thread.
    loop.runSequential(
        (o, n) ->
            ReduceKernels.accumulateRun(op, xm, x.dtype(), o[0], xs, ym, out.dtype(), o[1], ys, n));
  }

  @Override
  public void argReduce(View x, int axis, boolean max, View out) {
    long[] shape = x.shape();
    long[] xStrides = x.strides();
    long len = shape[axis];
    long step = xStrides[axis];
    // Iterate over every position of out (x's shape with the axis collapsed) and scan along the
    // axis.
    long[] outerShape = shape.clone();
    outerShape[axis] = 1;
    MemorySegment xm = x.hostSegment();
    MemorySegment ym = out.hostSegment();
    DType xt = x.dtype();
    StridedLoop loop =
        StridedLoop.of(
            outerShape,
            new long[][] {xStrides, out.strides()},
            new long[] {x.offset(), out.offset()});
    long xs = loop.innerStride(0);
    long ys = loop.innerStride(1);
    loop.runSequential(
        (o, n) -> {
          for (long r = 0; r < n; r++) {
            long base = o[0] + r * xs;
            long best = 0;
            double bestValue = ElementwiseKernels.read(xm, xt, base);
            for (long j = 1; j < len && !Double.isNaN(bestValue); j++) {
              double v = ElementwiseKernels.read(xm, xt, base + j * step);
              if (max ? (v > bestValue || Double.isNaN(v)) : (v < bestValue || Double.isNaN(v))) {
                best = j;
                bestValue = v;
              }
            }
            ym.setAtIndex(
                java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, o[1] + r * ys, (int) best);
          }
        });
  }

  @Override
  public void matmul(View a, View b, View out) {
    MatmulDispatch.matmul(a, b, out);
  }

  @Override
  public void gather(View x, int axis, View index, View out) {
    IndexKernels.gather(x, axis, index, out);
  }

  @Override
  public void scatterAdd(View out, int axis, View index, View src) {
    IndexKernels.scatterAdd(out, axis, index, src);
  }

  @Override
  public void im2col(View x, View cols, ConvGeometry g) {
    ConvKernels.im2col(x, cols, g);
  }

  @Override
  public void col2im(View cols, View x, ConvGeometry g) {
    ConvKernels.col2im(cols, x, g);
  }

  @Override
  public void conv2d(View x, View w, View out, ConvGeometry g) {
    if (ConvKernels.supports(x, w, out)) {
      ConvKernels.forward(x, w, out, g);
    } else {
      GemmConvolution.forward(this, x, w, out, g);
    }
  }

  @Override
  public void conv2dBackwardInput(View gOut, View w, View gx, ConvGeometry g) {
    if (ConvKernels.supports(gOut, w, gx)) {
      ConvKernels.backwardInput(gOut, w, gx, g);
    } else {
      GemmConvolution.backwardInput(this, gOut, w, gx, g);
    }
  }

  @Override
  public void conv2dBackwardWeight(View x, View gOut, View gw, ConvGeometry g) {
    if (ConvKernels.supports(x, gOut, gw)) {
      ConvKernels.backwardWeight(x, gOut, gw, g);
    } else {
      GemmConvolution.backwardWeight(this, x, gOut, gw, g);
    }
  }

  @Override
  public void maxPool2d(View x, View out, View argmax, PoolGeometry p) {
    PoolKernels.maxPool(x, out, argmax, p);
  }

  @Override
  public void maxPool2dBackward(View gOut, View argmax, View gx, PoolGeometry p) {
    PoolKernels.maxPoolBackward(gOut, argmax, gx, p);
  }

  @Override
  public void avgPool2d(View x, View out, PoolGeometry p) {
    PoolKernels.avgPool(x, out, p);
  }

  @Override
  public void avgPool2dBackward(View gOut, View gx, PoolGeometry p) {
    PoolKernels.avgPoolBackward(gOut, gx, p);
  }

  @Override
  public boolean batchNorm(
      View x, View mean, View var, View weight, View bias, View y, double eps, boolean stats) {
    if (!NormKernels.supports(x, mean, var, weight, bias, y)) {
      return false;
    }
    NormKernels.forward(x, mean, var, weight, bias, y, eps, stats);
    return true;
  }

  @Override
  public boolean batchNormBackward(
      View x, View dy, View mean, View var, View weight, View[] grads, double eps, boolean stats) {
    if (!NormKernels.supports(x, dy, mean, var, weight, grads[0], grads[1], grads[2])) {
      return false;
    }
    NormKernels.backward(x, dy, mean, var, weight, grads[0], grads[1], grads[2], eps, stats);
    return true;
  }

  @Override
  public boolean logSoftmaxLastAxis(View x, View out) {
    if (x.dtype() != DType.FLOAT32 || !x.isContiguous() || !out.isContiguous() || x.dim() == 0) {
      return false;
    }
    long n = x.shape()[x.dim() - 1];
    long rows = n == 0 ? 0 : x.numel() / n;
    SoftmaxKernels.logSoftmaxRows(
        x.hostSegment(), x.offset(), out.hostSegment(), out.offset(), rows, n);
    return true;
  }

  @Override
  public boolean lstmCell(
      View xw, View hh, View hPrev, View cPrev, View mask, View gates, View h, View c) {
    return RecurrentKernels.forward(xw, hh, hPrev, cPrev, mask, gates, h, c);
  }

  @Override
  public boolean lstmCellBackward(
      View gates, View cPrev, View mask, View gH, View gC, View dh, View dc, View dz) {
    return RecurrentKernels.backward(gates, cPrev, mask, gH, gC, dh, dc, dz);
  }

  @Override
  public boolean lstmSequence(
      View xw, View whh, View h0, View c0, View mask, boolean reverse, View gates, View states) {
    return RecurrentSequences.lstmForward(xw, whh, h0, c0, mask, reverse, gates, states);
  }

  @Override
  public boolean lstmSequenceBackward(
      View gates,
      View states,
      View whh,
      View c0,
      View mask,
      boolean reverse,
      View gStates,
      View gx,
      View dh,
      View dc) {
    return RecurrentSequences.lstmBackward(
        gates, states, whh, c0, mask, reverse, gStates, gx, dh, dc);
  }

  @Override
  public boolean optimizerStep(OptimizerStep step, View param, View grad, View[] state) {
    return OptimizerKernels.run(step, param, grad, state);
  }

  @Override
  public View toHost(View x) {
    return x;
  }

  @Override
  public View fromHost(View host) {
    return host;
  }

  @Override
  public double get(View x, long flatIndex) {
    float[] h = x.heapFloats(); // read as an array: see HeapF32
    return h != null
        ? h[(int) x.storageIndex(flatIndex)]
        : ElementwiseKernels.read(x.hostSegment(), x.dtype(), x.storageIndex(flatIndex));
  }

  @Override
  public void set(View x, long flatIndex, double value) {
    float[] h = x.heapFloats();
    if (h != null) {
      h[(int) x.storageIndex(flatIndex)] = (float) value;
    } else {
      ElementwiseKernels.write(x.hostSegment(), x.dtype(), x.storageIndex(flatIndex), value);
    }
  }
}
