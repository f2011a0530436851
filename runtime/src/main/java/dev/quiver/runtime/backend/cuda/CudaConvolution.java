package dev.quiver.runtime.backend.cuda;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.backend.ConvGeometry;
import dev.quiver.runtime.backend.PoolAxis;
import dev.quiver.runtime.backend.PoolGeometry;
import dev.quiver.runtime.backend.View;

/**
 * The convolution and pooling kernels of conv.cu: im2col and col2im (the convolutions themselves
 * are the backend's default, these plus cuBLAS products), max and average pooling. Operands are
 * dense (the ops make them so) float32 or float64; the geometry goes by value as a struct of ints.
 */
final class CudaConvolution {
  private CudaConvolution() {}

  private static final String MODULE = "conv";

  static void im2col(CudaDevice dev, View x, View cols, ConvGeometry g) {
    launch(dev, "im2col", g, x, cols, cols.numel());
  }

  static void col2im(CudaDevice dev, View cols, View x, ConvGeometry g) {
    launch(dev, "col2im", g, cols, x, x.numel());
  }

  private static void launch(CudaDevice dev, String op, ConvGeometry g, View in, View out, long n) {
    check(op, in, out);
    if (n == 0) {
      return;
    }
    long ip = DeviceOperands.pointer(dev, op, "input", in);
    long op2 = DeviceOperands.pointer(dev, op, "out", out);
    dev.launch(
        MODULE,
        op + "_" + DeviceOperands.suffix(in.dtype()),
        dev.gridFor(n, CudaBackend.BLOCK),
        CudaBackend.BLOCK,
        KernelArgs.begin().ptr(ip).ptr(op2).ints(ints(g)).i64(n));
  }

  static void maxPool(CudaDevice dev, View x, View out, View argmax, PoolGeometry p) {
    check("maxPool2d", x, out);
    long n = out.numel();
    if (n == 0) {
      return;
    }
    long xp = DeviceOperands.pointer(dev, "maxPool2d", "input", x);
    long yp = DeviceOperands.pointer(dev, "maxPool2d", "out", out);
    long ap = DeviceOperands.pointer(dev, "maxPool2d", "argmax", argmax);
    dev.launch(
        MODULE,
        "max_pool_" + DeviceOperands.suffix(x.dtype()),
        dev.gridFor(n, CudaBackend.BLOCK),
        CudaBackend.BLOCK,
        KernelArgs.begin().ptr(xp).ptr(yp).ptr(ap).ints(ints(p)).i64(n));
  }

  static void avgPool(CudaDevice dev, View x, View out, PoolGeometry p) {
    pool(dev, "avgPool2d", "avg_pool_", x, out, p, out.numel());
  }

  static void avgPoolBackward(CudaDevice dev, View gOut, View gx, PoolGeometry p) {
    pool(dev, "avgPool2d backward", "avg_pool_backward_", gOut, gx, p, gx.numel());
  }

  private static void pool(
      CudaDevice dev, String op, String kernel, View in, View out, PoolGeometry p, long n) {
    check(op, in, out);
    if (n == 0) {
      return;
    }
    long ip = DeviceOperands.pointer(dev, op, "input", in);
    long yp = DeviceOperands.pointer(dev, op, "out", out);
    dev.launch(
        MODULE,
        kernel + DeviceOperands.suffix(in.dtype()),
        dev.gridFor(n, CudaBackend.BLOCK),
        CudaBackend.BLOCK,
        KernelArgs.begin().ptr(ip).ptr(yp).ints(ints(p)).i64(n));
  }

  private static void check(String op, View a, View b) {
    if (a.dtype() != b.dtype() || a.dtype() == DType.INT32) {
      throw new IllegalArgumentException(
          op
              + ": needs float32 or float64 operands of one type, got "
              + a.dtype()
              + " and "
              + b.dtype());
    }
    if (!a.isContiguous() || !b.isContiguous()) {
      throw new IllegalArgumentException(op + ": operands must be dense, got " + a + " and " + b);
    }
  }

  /** The fields of struct ConvGeom in conv.cu, in order. */
  static int[] ints(ConvGeometry g) {
    return new int[] {
      g.batch(), g.inChannels(), g.inH(), g.inW(), g.outChannels(), g.kernelH(), g.kernelW(),
      g.strideH(), g.strideW(), g.padTop(), g.padLeft(), g.dilationH(), g.dilationW(), g.groups(),
      g.outH(), g.outW()
    };
  }

  /** The fields of struct PoolGeom in conv.cu, in order. */
  static int[] ints(PoolGeometry p) {
    int[] s = new int[14];
    put(s, 0, p.h());
    put(s, 6, p.w());
    s[12] = p.countIncludePad() ? 1 : 0;
    return s;
  }

  private static void put(int[] s, int at, PoolAxis a) {
    s[at] = a.in();
    s[at + 1] = a.out();
    s[at + 2] = a.kernel();
    s[at + 3] = a.stride();
    s[at + 4] = a.pad();
    s[at + 5] = a.adaptive() ? 1 : 0;
  }
}
