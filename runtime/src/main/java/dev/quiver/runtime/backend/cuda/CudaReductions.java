package dev.quiver.runtime.backend.cuda;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.backend.Backend;
import dev.quiver.runtime.backend.ReduceOp;
import dev.quiver.runtime.backend.View;
import java.lang.ref.Reference;
import java.util.Arrays;

/**
 * The CUDA backend's reductions (sum, max, min along axes; arg-max/min; a fused log-softmax), the
 * kernels of reduce.cu, chosen by the shape of the reduction. Apart from {@link CudaBackend} so
 * that each file holds one concern, as {@link CudaMatmul} does.
 */
final class CudaReductions {
  private CudaReductions() {}

  static void reduce(Backend backend, CudaDevice dev, ReduceOp op, View x, View out) {
    String name = op.name().toLowerCase();
    if (x.dtype() != out.dtype()) {
      throw new IllegalArgumentException(
          name
              + ": input "
              + x.dtype()
              + ", out "
              + out.dtype()
              + "; the CUDA backend reduces within one type");
    }
    long[] shape = x.shape();
    long[] outShape = out.shape();
    long[] xs = x.strides();
    long[] ys = out.strides();
    int r = shape.length;
    // Kept axes: out's size equals x's; reduced: out has 1 where x has more.
    long[] keptSize = new long[r];
    long[] keptX = new long[r];
    long[] keptY = new long[r];
    long[] redSize = new long[r];
    long[] redX = new long[r];
    for (int i = 0; i < r; i++) {
      boolean reduced = outShape[i] == 1 && shape[i] != 1;
      keptSize[i] = reduced ? 1 : shape[i];
      keptX[i] = xs[i];
      keptY[i] = ys[i];
      redSize[i] = reduced ? shape[i] : 1;
      redX[i] = xs[i];
    }
    long nOut = out.numel();
    long nRed = 1;
    for (long s : redSize) {
      nRed *= s;
    }
    if (nOut == 0) {
      return;
    }
    if (nRed == 0) {
      backend.fill(out, op.identity());
      return;
    }
    long xp = DeviceOperands.pointer(dev, name, "operand", x);
    long yp = DeviceOperands.pointer(dev, name, "out", out);
    StridedLayout kept = StridedLayout.of(name, keptSize, keptX, keptY);
    StridedLayout red = StridedLayout.of(name, redSize, redX);
    String t = DeviceOperands.suffix(x.dtype());
    long innerRedStride = red.strides()[0][red.rank() - 1];
    // See reduce.cu for the two strategies. One thread per output when the reduced run is short,
    // or strided while there are many outputs (neighbouring threads then read neighbouring
    // elements).
    if (nRed <= 32 || (innerRedStride != 1 && nOut >= 256)) {
      dev.launch(
          "reduce",
          "reduce_thread_" + t,
          dev.gridFor(nOut, CudaBackend.BLOCK),
          CudaBackend.BLOCK,
          KernelArgs.begin()
              .i32(op.ordinal())
              .ptr(xp)
              .ptr(yp)
              .layout(kept)
              .layout(red)
              .i64(nOut)
              .i64(nRed));
      return;
    }
    // One block per output, split further when there are too few outputs to fill the GPU.
    long wanted = Math.max(1, 4L * dev.multiprocessors() / nOut);
    int splits =
        (int) Math.max(1, Math.min(wanted, Math.min(1024, nRed / (8L * CudaBackend.BLOCK))));
    long grid = Math.min(nOut * splits, 64L * dev.multiprocessors());
    if (splits == 1) {
      dev.launch(
          "reduce",
          "reduce_block_" + t,
          grid,
          CudaBackend.BLOCK,
          KernelArgs.begin()
              .i32(op.ordinal())
              .ptr(xp)
              .ptr(yp)
              .ptr(0)
              .layout(kept)
              .layout(red)
              .i64(nOut)
              .i64(nRed)
              .i32(1));
      return;
    }
    DType acc = x.dtype() == DType.FLOAT32 ? DType.FLOAT32 : DType.FLOAT64;
    View partial = DeviceOperands.temporary(dev, acc, new long[] {nOut, splits});
    try {
      long pp = DeviceOperands.pointer(dev, name, "partial", partial);
      dev.launch(
          "reduce",
          "reduce_block_" + t,
          grid,
          CudaBackend.BLOCK,
          KernelArgs.begin()
              .i32(op.ordinal())
              .ptr(xp)
              .ptr(yp)
              .ptr(pp)
              .layout(kept)
              .layout(red)
              .i64(nOut)
              .i64(nRed)
              .i32(splits));
      StridedLayout outLayout = StridedLayout.of(name, keptSize, keptY);
      dev.launch(
          "reduce",
          "reduce_partials_" + t,
          Math.min(nOut, 64L * dev.multiprocessors()),
          CudaBackend.BLOCK,
          KernelArgs.begin()
              .i32(op.ordinal())
              .ptr(pp)
              .ptr(yp)
              .layout(outLayout)
              .i64(nOut)
              .i32(splits));
    } finally {
      DeviceOperands.release(partial);
      // x and out were last used for their addresses, before temp() above, which may run a
      // collection and free unreachable tensors: were x (say the receiver of a.mul(b).sum()) found
      // unreachable there, its block would go back to the cache and could come back as `partial`,
      // and the kernels would read their own partial sums. Keep both reachable until queued.
      Reference.reachabilityFence(x);
      Reference.reachabilityFence(out);
    }
  }

  static void argReduce(CudaDevice dev, View x, int axis, boolean max, View out) {
    long[] shape = x.shape();
    long len = shape[axis];
    long nOut = out.numel();
    if (nOut == 0) {
      return;
    }
    if (len == 0) {
      throw new IllegalArgumentException(
          (max ? "argmax" : "argmin")
              + ": axis "
              + axis
              + " of shape "
              + Arrays.toString(shape)
              + " is empty");
    }
    long[] outer = shape.clone();
    outer[axis] = 1;
    long xp = DeviceOperands.pointer(dev, "argReduce", "operand", x);
    long yp = DeviceOperands.pointer(dev, "argReduce", "out", out);
    StridedLayout kept = StridedLayout.of("argReduce", outer, x.strides(), out.strides());
    dev.launch(
        "reduce",
        "argreduce_" + DeviceOperands.suffix(x.dtype()),
        dev.gridFor(nOut, CudaBackend.BLOCK),
        CudaBackend.BLOCK,
        KernelArgs.begin()
            .ptr(xp)
            .ptr(yp)
            .layout(kept)
            .i64(nOut)
            .i64(len)
            .i64(x.strides()[axis])
            .i32(max ? 1 : 0));
  }

  static boolean logSoftmaxLastAxis(CudaDevice dev, View x, View out) {
    if (x.dtype() == DType.INT32
        || x.dtype() != out.dtype()
        || !x.isContiguous()
        || !out.isContiguous()
        || x.dim() == 0) {
      return false;
    }
    long n = x.shape()[x.dim() - 1];
    long rows = n == 0 ? 0 : x.numel() / n;
    if (rows == 0) {
      return true;
    }
    long xp = DeviceOperands.pointer(dev, "logSoftmax", "operand", x);
    long yp = DeviceOperands.pointer(dev, "logSoftmax", "out", out);
    dev.launch(
        "reduce",
        "log_softmax_" + DeviceOperands.suffix(x.dtype()),
        Math.min(rows, 64L * dev.multiprocessors()),
        CudaBackend.BLOCK,
        KernelArgs.begin().ptr(xp).ptr(yp).i64(rows).i64(n));
    return true;
  }
}
