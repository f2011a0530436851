package dev.quiver.runtime.backend.cuda;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.backend.Backend;
import dev.quiver.runtime.backend.ConvGeometry;
import dev.quiver.runtime.backend.ElementwiseProgram;
import dev.quiver.runtime.backend.GemmConvolution;
import dev.quiver.runtime.backend.PoolGeometry;
import dev.quiver.runtime.backend.ReduceOp;
import dev.quiver.runtime.backend.View;
import dev.quiver.runtime.backend.cpu.CpuBackend;
import dev.quiver.runtime.math.ElementwiseMath.BinaryOp;
import dev.quiver.runtime.math.ElementwiseMath.UnaryOp;
import dev.quiver.runtime.memory.HostStorage;
import dev.quiver.runtime.memory.ManagedStorage;
import dev.quiver.runtime.memory.MemoryScope;
import dev.quiver.runtime.memory.Storage;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The CUDA backend of one device: tensors in device memory, every primitive op a kernel queued on
 * the device's stream (or a cuBLAS call for matmul). Ops return as soon as the work is queued;
 * reading values on the host ({@link #toHost}, {@link #get}) waits for it.
 *
 * <p>Kernels receive base pointers with the view's offset already added and a {@link StridedLayout}
 * of the output's shape with every operand's strides, so strided and broadcast operands need no
 * copies. Op codes are the enum ordinals, which the kernels know by name: {@link KernelSources}
 * defines {@code QV_UNARY_NEG} and friends from the enums in front of every module.
 */
public final class CudaBackend implements Backend {
  static final int BLOCK = 256;

  /**
   * Copies between host views (a strided host view made dense before a transfer). Stateless; not
   * Backends.cpu(), so that the CUDA backend and the registry that loads it do not need each other.
   */
  private static final CpuBackend HOST = new CpuBackend();

  private final CudaDevice dev;

  CudaBackend(CudaDevice dev) {
    this.dev = dev;
  }

  /** Bytes of device memory held by tensors on this device (cached blocks excluded). */
  public long bytesInUse() {
    return dev.allocator().bytesInUse();
  }

  /** Bytes of freed blocks kept for reuse. */
  public long bytesCached() {
    return dev.allocator().bytesCached();
  }

  /** Gives cached blocks back to the driver (other processes then see the memory as free). */
  public void emptyCache() {
    dev.allocator().emptyCache();
  }

  /** Waits for every queued op on this device (for timing). */
  public void synchronize() {
    dev.makeCurrent();
    dev.synchronize("synchronize()");
  }

  /**
   * Frees unreachable tensors and returns {@link #bytesInUse()}, for tests (as Memory.collect does
   * for the host).
   */
  public long collect() {
    long before;
    int stable = 0;
    do {
      before = bytesInUse();
      ManagedStorage.collectUnreachable();
      stable = bytesInUse() == before ? stable + 1 : 0;
    } while (stable < 3);
    return bytesInUse();
  }

  /** "cuda:0 NVIDIA H100 ... (compute capability 9.0, ...)". */
  public String describe() {
    return dev.describe();
  }

  @Override
  public Device device() {
    return dev.device();
  }

  @Override
  public Storage allocate(long bytes, MemoryScope owner) {
    return CudaStorage.allocate(dev, bytes, owner);
  }

  // ---------------------------------------------------------------- operands

  // Kernel and op names per dtype, built once: building them per call was an allocation on every
  // op.
  private static final String[] FILL = names("fill_");
  private static final String[] UNARY = names("unary_");
  private static final String[] BINARY = names("binary_");
  private static final String[][] COPY = pairNames("copy_");
  private static final String[][] WHERE = pairNames("where_");
  private static final String[] UNARY_NAMES = lower(UnaryOp.values());
  private static final String[] BINARY_NAMES = lower(BinaryOp.values());

  private static String[] names(String prefix) {
    String[] n = new String[DType.values().length];
    for (DType t : DType.values()) {
      n[t.ordinal()] = prefix + suffix(t);
    }
    return n;
  }

  private static String[][] pairNames(String prefix) {
    String[][] n = new String[DType.values().length][];
    for (DType t : DType.values()) {
      n[t.ordinal()] = names(prefix + suffix(t) + "_");
    }
    return n;
  }

  private static String[] lower(Enum<?>[] ops) {
    return Arrays.stream(ops)
        .map(o -> o.name().toLowerCase(java.util.Locale.ROOT))
        .toArray(String[]::new);
  }

  private static String suffix(DType t) {
    return DeviceOperands.suffix(t);
  }

  /**
   * Device address of element [0, ..., 0] of {@code t}, after checking that it lives on this
   * device.
   */
  private long ptr(String op, String role, View t) {
    return DeviceOperands.pointer(dev, op, role, t);
  }

  /** A contiguous device temporary, released by the caller once its last use is queued. */
  private View temp(DType dtype, long[] shape) {
    return DeviceOperands.temporary(dev, dtype, shape);
  }

  private static long[] contiguousStrides(long[] shape) {
    return DeviceOperands.contiguousStrides(shape);
  }

  private static void release(View t) {
    DeviceOperands.release(t);
  }

  private void launch(String module, String kernel, long n, KernelArgs args) {
    dev.launch(module, kernel, dev.gridFor(n, BLOCK), BLOCK, args);
  }

  // ---------------------------------------------------------------- elementwise

  @Override
  public void fill(View out, double value) {
    long n = out.numel();
    if (n == 0) {
      return;
    }
    long y = ptr("fill", "out", out);
    StridedLayout l = StridedLayout.of("fill", out.shape(), out.strides());
    launch(
        "elementwise",
        FILL[out.dtype().ordinal()],
        n,
        KernelArgs.begin().ptr(y).layout(l).i64(n).f64(value));
  }

  @Override
  public void copy(View src, View out) {
    long n = out.numel();
    if (n == 0) {
      return;
    }
    long x = ptr("copy", "source", src);
    long y = ptr("copy", "out", out);
    StridedLayout l = StridedLayout.of("copy", out.shape(), src.strides(), out.strides());
    if (src.dtype() == out.dtype() && l.isDense()) {
      if (x != y) {
        dev.makeCurrent();
        dev.driver().copyDeviceToDevice(y, x, n * out.dtype().byteSize(), dev.stream());
      }
      return;
    }
    launch(
        "elementwise",
        COPY[src.dtype().ordinal()][out.dtype().ordinal()],
        n,
        KernelArgs.begin().ptr(x).ptr(y).layout(l).i64(n));
  }

  @Override
  public void unary(UnaryOp op, View x, View out) {
    if (x.dtype() != out.dtype()) {
      // int32 in, float32 out (exp of integers): convert into out, then compute in place, which
      // the kernels allow (out may alias an input exactly).
      copy(x, out);
      unary(op, out, out);
      return;
    }
    long n = out.numel();
    if (n == 0) {
      return;
    }
    String name = UNARY_NAMES[op.ordinal()];
    long xp = ptr(name, "operand", x);
    long yp = ptr(name, "out", out);
    StridedLayout l = StridedLayout.of(name, out.shape(), x.strides(), out.strides());
    launch(
        "elementwise",
        UNARY[out.dtype().ordinal()],
        n,
        KernelArgs.begin().i32(op.ordinal()).ptr(xp).ptr(yp).layout(l).i64(n));
  }

  @Override
  public void binary(BinaryOp op, View a, View b, View out) {
    String name = BINARY_NAMES[op.ordinal()];
    if (a.dtype() != out.dtype() || b.dtype() != out.dtype()) {
      throw new IllegalArgumentException(
          name
              + ": operand types "
              + a.dtype()
              + " and "
              + b.dtype()
              + " with out "
              + out.dtype()
              + "; the CUDA backend computes binary ops in one type");
    }
    long n = out.numel();
    if (n == 0) {
      return;
    }
    long ap = ptr(name, "first operand", a);
    long bp = ptr(name, "second operand", b);
    long yp = ptr(name, "out", out);
    StridedLayout l = StridedLayout.of(name, out.shape(), a.strides(), b.strides(), out.strides());
    launch(
        "elementwise",
        BINARY[out.dtype().ordinal()],
        n,
        KernelArgs.begin().i32(op.ordinal()).ptr(ap).ptr(bp).ptr(yp).layout(l).i64(n));
  }

  @Override
  public void where(View cond, View a, View b, View out) {
    if (a.dtype() != out.dtype() || b.dtype() != out.dtype()) {
      throw new IllegalArgumentException(
          "where: operand types "
              + a.dtype()
              + " and "
              + b.dtype()
              + " with out "
              + out.dtype()
              + "; the CUDA backend needs them equal");
    }
    long n = out.numel();
    if (n == 0) {
      return;
    }
    long cp = ptr("where", "condition", cond);
    long ap = ptr("where", "first operand", a);
    long bp = ptr("where", "second operand", b);
    long yp = ptr("where", "out", out);
    StridedLayout l =
        StridedLayout.of(
            "where", out.shape(), cond.strides(), a.strides(), b.strides(), out.strides());
    launch(
        "elementwise",
        WHERE[cond.dtype().ordinal()][out.dtype().ordinal()],
        n,
        KernelArgs.begin().ptr(cp).ptr(ap).ptr(bp).ptr(yp).layout(l).i64(n));
  }

  /**
   * A fused elementwise program as one generated kernel (see {@link FusedSource}), compiled by
   * NVRTC the first time a program of that shape runs on this device.
   */
  @Override
  public boolean fused(ElementwiseProgram program, View[] inputs, View out) {
    if (out.dtype() != DType.FLOAT32
        || !FusedSource.supported(program)
        || inputs.length != program.inputs()) {
      return false;
    }
    long[][] strides = new long[inputs.length + 1][];
    for (int i = 0; i < inputs.length; i++) {
      if (inputs[i].dtype() != DType.FLOAT32) {
        return false;
      }
      strides[i] = inputs[i].strides();
    }
    strides[inputs.length] = out.strides();
    long n = out.numel();
    if (n == 0) {
      return true;
    }
    StridedLayout l = StridedLayout.of("fused", out.shape(), strides);
    String key = FusedSource.key(program);
    var f =
        dev.function(
            key,
            () -> KernelSources.withPrelude(key, FusedSource.source(program)),
            FusedSource.KERNEL);
    KernelArgs args = KernelArgs.begin();
    for (int i = 0; i < inputs.length; i++) {
      args.ptr(ptr("fused", "input " + i, inputs[i]));
    }
    args.ptr(ptr("fused", "out", out))
        .layout(l)
        .i64(n)
        .floats(program.constants(), Math.max(1, program.constants().length));
    dev.launch(f, FusedSource.KERNEL, dev.gridFor(n, BLOCK), BLOCK, args);
    return true;
  }

  // ---------------------------------------------------------------- reductions

  @Override
  public void reduce(ReduceOp op, View x, View out) {
    CudaReductions.reduce(this, dev, op, x, out);
  }

  @Override
  public void argReduce(View x, int axis, boolean max, View out) {
    CudaReductions.argReduce(dev, x, axis, max, out);
  }

  @Override
  public boolean logSoftmaxLastAxis(View x, View out) {
    return CudaReductions.logSoftmaxLastAxis(dev, x, out);
  }

  // ---------------------------------------------------------------- indexing

  @Override
  public void gather(View x, int axis, View index, View out) {
    indexOp("gather", "gather_", x, axis, index, out);
  }

  @Override
  public void scatterAdd(View out, int axis, View index, View src) {
    indexOp("scatterAdd", "scatter_add_", out, axis, index, src);
  }

  /**
   * Both walk the index tensor's shape: data is addressed with the axis coordinate replaced by the
   * index.
   */
  private void indexOp(String op, String kernel, View data, int axis, View index, View other) {
    if (index.dtype() != DType.INT32) {
      throw new IllegalArgumentException(op + ": index must be int32, not " + index.dtype());
    }
    if (data.dtype() != other.dtype()) {
      throw new IllegalArgumentException(
          op + ": types " + data.dtype() + " and " + other.dtype() + " differ");
    }
    long n = index.numel();
    if (n == 0) {
      return;
    }
    long[] ds = data.strides();
    long axisStride = ds[axis];
    ds[axis] = 0;
    long dp = ptr(op, "data", data);
    long ip = ptr(op, "index", index);
    long op2 = ptr(op, op.equals("gather") ? "out" : "source", other);
    StridedLayout l = StridedLayout.of(op, index.shape(), ds, index.strides(), other.strides());
    launch(
        "index",
        kernel + suffix(data.dtype()),
        n,
        KernelArgs.begin()
            .ptr(dp)
            .ptr(ip)
            .ptr(op2)
            .layout(l)
            .i64(n)
            .i64(axisStride)
            .i64(data.shape()[axis])
            .i32(axis)
            .ptr(dev.errorWord()));
    dev.indexLaunchQueued();
  }

  // ---------------------------------------------------------------- convolution and pooling
  // The convolutions are GemmConvolution: these im2col/col2im kernels plus cuBLAS.

  @Override
  public void conv2d(View x, View w, View out, ConvGeometry g) {
    GemmConvolution.forward(this, x, w, out, g);
  }

  @Override
  public void conv2dBackwardInput(View gOut, View w, View gx, ConvGeometry g) {
    GemmConvolution.backwardInput(this, gOut, w, gx, g);
  }

  @Override
  public void conv2dBackwardWeight(View x, View gOut, View gw, ConvGeometry g) {
    GemmConvolution.backwardWeight(this, x, gOut, gw, g);
  }

  @Override
  public void im2col(View x, View cols, ConvGeometry g) {
    CudaConvolution.im2col(dev, x, cols, g);
  }

  @Override
  public void col2im(View cols, View x, ConvGeometry g) {
    CudaConvolution.col2im(dev, cols, x, g);
  }

  @Override
  public void maxPool2d(View x, View out, View argmax, PoolGeometry p) {
    CudaConvolution.maxPool(dev, x, out, argmax, p);
  }

  @Override
  public void avgPool2d(View x, View out, PoolGeometry p) {
    CudaConvolution.avgPool(dev, x, out, p);
  }

  @Override
  public void avgPool2dBackward(View gOut, View gx, PoolGeometry p) {
    CudaConvolution.avgPoolBackward(dev, gOut, gx, p);
  }

  // ---------------------------------------------------------------- matmul

  @Override
  public void matmul(View a, View b, View out) {
    CudaMatmul.matmul(this, dev, a, b, out);
  }

  // ---------------------------------------------------------------- host transfers

  @Override
  public View toHost(View x) {
    View src = x;
    if (!x.isContiguous()) {
      src = temp(x.dtype(), x.shape());
      copy(x, src);
    }
    try {
      long bytes = x.numel() * x.dtype().byteSize();
      HostStorage host = HostStorage.allocate(bytes, MemoryScope.current());
      if (bytes > 0) {
        dev.staging().toHost(ptr("toHost", "operand", src), host.segment(), bytes);
      }
      return new View(host, x.dtype(), x.shape(), contiguousStrides(x.shape()), 0);
    } finally {
      if (src != x) {
        release(src);
      }
    }
  }

  @Override
  public View fromHost(View host) {
    if (!(host.storage() instanceof HostStorage)) {
      throw new IllegalArgumentException(
          "fromHost: the tensor is on " + host.device() + ", not in host memory");
    }
    View src = host;
    if (!host.isContiguous()) {
      // A strided host view: make it dense on the CPU first (one pass there beats a strided DMA).
      HostStorage dense = HostStorage.allocate(host.numel() * host.dtype().byteSize(), null);
      src = new View(dense, host.dtype(), host.shape(), contiguousStrides(host.shape()), 0);
      HOST.copy(host, src);
    }
    long bytes = host.numel() * host.dtype().byteSize();
    Storage st = CudaStorage.allocate(dev, bytes, MemoryScope.current());
    View out = new View(st, host.dtype(), host.shape(), contiguousStrides(host.shape()), 0);
    if (bytes > 0) {
      MemorySegment seg = src.hostSegment().asSlice(src.offset() * src.dtype().byteSize(), bytes);
      dev.staging().toDevice(seg, ptr("fromHost", "out", out), bytes);
    }
    if (src != host) {
      src.storage().release();
    }
    return out;
  }

  @Override
  public double get(View x, long flatIndex) {
    long p =
        ptr("get", "operand", x) + (x.storageIndex(flatIndex) - x.offset()) * x.dtype().byteSize();
    try (var arena = java.lang.foreign.Arena.ofConfined()) {
      MemorySegment one = arena.allocate(8);
      dev.staging().toHost(p, one, x.dtype().byteSize());
      return switch (x.dtype()) {
        case FLOAT32 -> one.get(ValueLayout.JAVA_FLOAT, 0);
        case FLOAT64 -> one.get(ValueLayout.JAVA_DOUBLE, 0);
        case INT32 -> one.get(ValueLayout.JAVA_INT, 0);
      };
    }
  }

  @Override
  public void set(View x, long flatIndex, double value) {
    long p =
        ptr("set", "operand", x) + (x.storageIndex(flatIndex) - x.offset()) * x.dtype().byteSize();
    try (var arena = java.lang.foreign.Arena.ofConfined()) {
      MemorySegment one = arena.allocate(8);
      switch (x.dtype()) {
        case FLOAT32 -> one.set(ValueLayout.JAVA_FLOAT, 0, (float) value);
        case FLOAT64 -> one.set(ValueLayout.JAVA_DOUBLE, 0, value);
        case INT32 -> one.set(ValueLayout.JAVA_INT, 0, (int) value);
      }
      // Pageable source: the driver has copied it out before returning, so the arena may close.
      dev.staging().toDevice(one, p, x.dtype().byteSize());
    }
  }
}
