package dev.quiver.runtime;

import dev.quiver.display.Displayable;
import dev.quiver.display.MimeBundle;
import dev.quiver.runtime.autograd.Autograd;
import dev.quiver.runtime.autograd.GradNode;
import dev.quiver.runtime.backend.Backend;
import dev.quiver.runtime.backend.Backends;
import dev.quiver.runtime.backend.Devices;
import dev.quiver.runtime.backend.ReduceOp;
import dev.quiver.runtime.backend.View;
import dev.quiver.runtime.math.ElementwiseMath;
import dev.quiver.runtime.memory.MemoryScope;
import dev.quiver.runtime.memory.Storage;
import dev.quiver.runtime.ops.Convolution;
import dev.quiver.runtime.ops.Elementwise;
import dev.quiver.runtime.ops.Fused;
import dev.quiver.runtime.ops.Indexing;
import dev.quiver.runtime.ops.LinearAlgebra;
import dev.quiver.runtime.ops.Movement;
import dev.quiver.runtime.ops.Pooling;
import dev.quiver.runtime.ops.Reductions;
import dev.quiver.runtime.ops.Resampling;
import dev.quiver.runtime.ops.Softmax;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * An n-dimensional array of float32 (or float64, int32) in native memory, with reverse-mode
 * autodiff.
 *
 * <pre>{@code
 * var x = Tensor.randn(3, 4);
 * var w = Tensor.randn(4, 2).requiresGrad();
 * var loss = x.matmul(w).relu().square().mean();
 * loss.backward();          // w.grad() now holds dloss/dw
 * }</pre>
 *
 * <p>A tensor is a {@link View} of memory (storage, shape, strides and an offset, all in elements)
 * plus its autodiff state. Reshaping a contiguous tensor, transposing, slicing and broadcasting
 * make views without copying. Ops return new tensors; methods ending in {@code InPlace} write into
 * this one and are meant for optimizers, under {@link Autograd#noGrad()}.
 *
 * <p>Memory: outside a {@link MemoryScope} the garbage collector frees tensors; inside one the
 * scope frees them when it closes. Nobody has to call {@link #close()}, but it is there.
 */
public final class Tensor
    implements ElementwiseMath<Tensor>, MemoryScope.Member, AutoCloseable, Displayable {
  private static final long DEFAULT_SEED = 0x5EED_0F_0_C1AL;
  private static SplittableRandom globalRandom = new SplittableRandom(DEFAULT_SEED);

  private final View view;
  private boolean requiresGrad;
  private Tensor grad;
  private GradNode gradNode;

  private Tensor(View view) {
    this.view = view;
  }

  /**
   * Low level: a tensor (without history) over {@code view}. Ops make their results with this;
   * users use the factories.
   */
  public static Tensor fromView(View view) {
    if (view == null) {
      throw new NullPointerException("fromView: view is null");
    }
    return new Tensor(view);
  }

  /** Low level: the memory and layout behind this tensor, as the backends see it. */
  public View view() {
    return view;
  }

  /** The backend that computes on this tensor's device. */
  private Backend backend() {
    return Backends.of(view.device());
  }

  // ---------------------------------------------------------------- creation

  /**
   * Uninitialised contiguous memory on the {@linkplain Devices#getDefault() default device}, in the
   * current scope.
   */
  public static Tensor empty(DType dtype, long... shape) {
    return empty(Devices.getDefault(), dtype, shape, MemoryScope.current());
  }

  /** Uninitialised contiguous memory on {@code device}, in the current scope. */
  public static Tensor empty(Device device, DType dtype, long... shape) {
    return empty(device, dtype, shape, MemoryScope.current());
  }

  /**
   * Uninitialised contiguous memory on the default device, owned by {@code owner} ({@code null}:
   * the garbage collector).
   */
  public static Tensor empty(DType dtype, long[] shape, MemoryScope owner) {
    return empty(Devices.getDefault(), dtype, shape, owner);
  }

  /**
   * Uninitialised contiguous memory on {@code device}, owned by {@code owner} ({@code null}: the
   * garbage collector).
   */
  public static Tensor empty(Device device, DType dtype, long[] shape, MemoryScope owner) {
    return allocate("empty", device, dtype, shape, owner);
  }

  /** Sizes checked before allocating, for the op the user called ({@link Shapes#checkedBytes}). */
  private static Tensor allocate(
      String op, Device device, DType dtype, long[] shape, MemoryScope owner) {
    long[] s = shape.clone();
    long bytes = Shapes.checkedBytes(op, dtype, s, device.kind() == Device.Kind.CPU);
    return new Tensor(View.contiguous(Backends.of(device).allocate(bytes, dtype, owner), dtype, s));
  }

  /**
   * Low level: uninitialised contiguous memory of {@code like}'s shape, on its device, in the
   * current scope. The shape array is shared, not copied (a tensor never changes its shape): the
   * per-op fast path.
   */
  public static Tensor emptyLike(Tensor like, DType dtype) {
    View v = like.view;
    Storage st =
        like.backend().allocate(v.numel() * dtype.byteSize(), dtype, MemoryScope.current());
    return new Tensor(v.denseLike(st, dtype));
  }

  public static Tensor zeros(long... shape) {
    return filled("zeros", Devices.getDefault(), 0, DType.FLOAT32, shape);
  }

  public static Tensor zeros(DType dtype, long... shape) {
    return filled("zeros", Devices.getDefault(), 0, dtype, shape);
  }

  public static Tensor ones(long... shape) {
    return filled("ones", Devices.getDefault(), 1, DType.FLOAT32, shape);
  }

  public static Tensor ones(DType dtype, long... shape) {
    return filled("ones", Devices.getDefault(), 1, dtype, shape);
  }

  public static Tensor full(double value, long... shape) {
    return full(value, DType.FLOAT32, shape);
  }

  public static Tensor full(double value, DType dtype, long... shape) {
    return full(Devices.getDefault(), value, dtype, shape);
  }

  /** {@code value} everywhere, on {@code device}. */
  public static Tensor full(Device device, double value, DType dtype, long... shape) {
    return filled("full", device, value, dtype, shape);
  }

  // A size error names the factory the user called (op).
  private static Tensor filled(String op, Device device, double value, DType dtype, long[] shape) {
    Tensor t = allocate(op, device, dtype, shape, MemoryScope.current());
    t.backend().fill(t.view, value);
    return t;
  }

  /** Zeros on {@code device}. */
  public static Tensor zeros(Device device, DType dtype, long... shape) {
    return filled("zeros", device, 0, dtype, shape);
  }

  /** Ones on {@code device}. */
  public static Tensor ones(Device device, DType dtype, long... shape) {
    return filled("ones", device, 1, dtype, shape);
  }

  /** Zeros of t's shape and type, on t's device. */
  public static Tensor zerosLike(Tensor t) {
    return full(t.device(), 0, t.dtype(), t.view.shape());
  }

  /** Ones of t's shape and type, on t's device. */
  public static Tensor onesLike(Tensor t) {
    return full(t.device(), 1, t.dtype(), t.view.shape());
  }

  /** A rank-0 float32 tensor. */
  public static Tensor scalar(double value) {
    return full(value, DType.FLOAT32);
  }

  public static Tensor scalar(double value, DType dtype) {
    return full(value, dtype);
  }

  /** 0, 1, ..., n-1 as float32. */
  public static Tensor arange(long n) {
    return arange(0, n, 1);
  }

  /** start, start+step, ... below end (above end for a negative step), as float32. */
  public static Tensor arange(double start, double end, double step) {
    if (step == 0 || Double.isNaN(step)) {
      throw new IllegalArgumentException("arange: step must be non-zero, got " + step);
    }
    long n = Math.max(0, (long) Math.ceil((end - start) / step));
    float[] data = new float[Math.toIntExact(n)];
    for (int i = 0; i < n; i++) {
      data[i] = (float) (start + i * step);
    }
    return of(data, n);
  }

  /** The n×n identity matrix. */
  public static Tensor eye(long n) {
    Tensor t = zeros(n, n);
    // The diagonal of a contiguous n×n matrix is a strided view with stride n+1.
    t.backend().fill(t.view.withLayout(new long[] {n}, new long[] {n + 1}, 0), 1);
    return t;
  }

  /** A 1-D float32 tensor of the given values. */
  public static Tensor of(float... values) {
    return of(values, values.length);
  }

  /** float32 values (row-major) with a shape; the sizes must agree. */
  public static Tensor of(float[] data, long... shape) {
    Tensor t = emptyFor("of", DType.FLOAT32, data.length, shape);
    MemorySegment.copy(
        data, 0, t.view.hostMemory(), DType.FLOAT32.layout().withByteAlignment(1), 0, data.length);
    return toDefaultDevice(t);
  }

  /** A 1-D float64 tensor. */
  public static Tensor of(double... values) {
    return of(values, values.length);
  }

  public static Tensor of(double[] data, long... shape) {
    Tensor t = emptyFor("of", DType.FLOAT64, data.length, shape);
    MemorySegment.copy(
        data, 0, t.view.hostMemory(), DType.FLOAT64.layout().withByteAlignment(1), 0, data.length);
    return toDefaultDevice(t);
  }

  /** A 1-D int32 tensor (class labels, indices). */
  public static Tensor ofInts(int... values) {
    return ofInts(values, values.length);
  }

  public static Tensor ofInts(int[] data, long... shape) {
    Tensor t = emptyFor("ofInts", DType.INT32, data.length, shape);
    MemorySegment.copy(
        data, 0, t.view.hostMemory(), DType.INT32.layout().withByteAlignment(1), 0, data.length);
    return toDefaultDevice(t);
  }

  /** A float32 matrix from rows; every row must have the same length. */
  public static Tensor of(float[][] rows) {
    int cols = rows.length == 0 ? 0 : rows[0].length;
    float[] flat = new float[rows.length * cols];
    for (int r = 0; r < rows.length; r++) {
      if (rows[r].length != cols) {
        throw new IllegalArgumentException(
            "of: row " + r + " has " + rows[r].length + " values, row 0 has " + cols);
      }
      System.arraycopy(rows[r], 0, flat, r * cols, cols);
    }
    return of(flat, rows.length, cols);
  }

  /** A float64 matrix from rows. */
  public static Tensor of(double[][] rows) {
    int cols = rows.length == 0 ? 0 : rows[0].length;
    double[] flat = new double[rows.length * cols];
    for (int r = 0; r < rows.length; r++) {
      if (rows[r].length != cols) {
        throw new IllegalArgumentException(
            "of: row " + r + " has " + rows[r].length + " values, row 0 has " + cols);
      }
      System.arraycopy(rows[r], 0, flat, r * cols, cols);
    }
    return of(flat, rows.length, cols);
  }

  /**
   * Host memory for values that come from a Java array; {@link #toDefaultDevice} then moves them.
   */
  private static Tensor emptyFor(String op, DType dtype, int length, long[] shape) {
    Shapes.checkShape(op, shape);
    if (Shapes.numel(shape) != length) {
      throw new IllegalArgumentException(
          op
              + ": "
              + length
              + " values cannot fill shape "
              + Shapes.str(shape)
              + " ("
              + Shapes.numel(shape)
              + " elements)");
    }
    return empty(Device.CPU, dtype, shape);
  }

  /**
   * A freshly filled host tensor on the default device; the host copy is freed at once when it
   * moved.
   */
  private static Tensor toDefaultDevice(Tensor host) {
    Device target = Devices.getDefault();
    if (target.kind() == Device.Kind.CPU) {
      return host;
    }
    View moved = Backends.of(target).fromHost(host.view);
    if (moved == host.view) {
      return host;
    }
    host.close();
    return new Tensor(moved);
  }

  /** Resets the generator behind {@link #rand(long...)} and {@link #randn(long...)}. */
  public static synchronized void manualSeed(long seed) {
    globalRandom = new SplittableRandom(seed);
  }

  /** Uniform in [0, 1), float32, from the global generator (see {@link #manualSeed}). */
  public static Tensor rand(long... shape) {
    return rand(shape, nextSeed());
  }

  /** Standard normal, float32, from the global generator (see {@link #manualSeed}). */
  public static Tensor randn(long... shape) {
    return randn(shape, nextSeed());
  }

  /** Uniform in [0, 1), float32; the same seed gives the same values on every machine. */
  public static Tensor rand(long[] shape, long seed) {
    var r = new SplittableRandom(seed);
    Tensor t = allocate("rand", Device.CPU, DType.FLOAT32, shape, MemoryScope.current());
    fillFloats(
        t,
        () -> {
          // A double just below 1 rounds up to 1.0f; keep the promise of [0, 1).
          float v = (float) r.nextDouble();
          return v < 1f ? v : Math.nextDown(1f);
        });
    return toDefaultDevice(t);
  }

  /** Standard normal, float32; the same seed gives the same values on every machine. */
  public static Tensor randn(long[] shape, long seed) {
    var r = new SplittableRandom(seed);
    Tensor t = allocate("randn", Device.CPU, DType.FLOAT32, shape, MemoryScope.current());
    fillFloats(t, () -> (float) r.nextGaussian());
    return toDefaultDevice(t);
  }

  /** The next value of a generator, in the order the tensor's elements are filled. */
  @FunctionalInterface
  private interface FloatSource {
    float next();
  }

  /**
   * Fills a new float32 tensor from {@code source}, element by element in order, through a chunk of
   * a {@code float[]} and one bulk copy per chunk. A store per element through the tensor's segment
   * was a call site that saw both heap (small GC-managed tensors) and native segments, and a
   * 10-million-element {@code randn} took 0.2 s longer for it (bench felt's MLP setup cell).
   */
  private static void fillFloats(Tensor t, FloatSource source) {
    MemorySegment data = t.view.hostMemory();
    long n = t.numel();
    float[] chunk = new float[(int) Math.min(n, 4096)];
    for (long start = 0; start < n; start += chunk.length) {
      int len = (int) Math.min(chunk.length, n - start);
      for (int i = 0; i < len; i++) {
        chunk[i] = source.next();
      }
      MemorySegment.copy(chunk, 0, data, ValueLayout.JAVA_FLOAT, start * Float.BYTES, len);
    }
  }

  private static synchronized long nextSeed() {
    return globalRandom.nextLong();
  }

  // ---------------------------------------------------------------- metadata

  public long[] shape() {
    return view.shape();
  }

  /** True when both tensors have the same shape (no copies of the shape arrays). */
  public boolean sameShape(Tensor o) {
    return view.sameShape(o.view);
  }

  /** Size of one axis; negative axes count from the end. */
  public long size(int axis) {
    return view.size(Shapes.axis("size", axis, view.dim()));
  }

  /** Rank: the number of axes. */
  public int dim() {
    return view.dim();
  }

  public long numel() {
    return view.numel();
  }

  public DType dtype() {
    return view.dtype();
  }

  public Device device() {
    return view.device();
  }

  /** Strides in elements (0 on broadcast axes). */
  public long[] strides() {
    return view.strides();
  }

  /** Offset of element [0, ..., 0] in the memory, in elements. */
  public long offset() {
    return view.offset();
  }

  /** True when the elements are laid out row-major without gaps. */
  public boolean isContiguous() {
    return view.isContiguous();
  }

  // ---------------------------------------------------------------- autodiff

  /** Marks this tensor as a parameter to differentiate with respect to; returns this. */
  public Tensor requiresGrad() {
    return requiresGrad(true);
  }

  public Tensor requiresGrad(boolean on) {
    if (on && !view.dtype().isFloating()) {
      throw new IllegalArgumentException(
          "requiresGrad: only floating tensors have gradients, this one is " + view.dtype());
    }
    this.requiresGrad = on;
    return this;
  }

  /** Whether gradients flow to or through this tensor. */
  public boolean isGradRequired() {
    return requiresGrad;
  }

  /** The accumulated gradient after {@link #backward()}, or {@code null} if none has reached it. */
  public Tensor grad() {
    return grad;
  }

  /**
   * Sets the accumulated gradient to zero (optimizers call this between steps). The buffer is kept
   * and reused by the next backward, so a training loop allocates no gradient memory.
   */
  public void zeroGrad() {
    if (grad != null) {
      grad.backend().fill(grad.view, 0);
    }
  }

  /** Low level: replaces the accumulated gradient (the autodiff engine and optimizers use this). */
  public void setGrad(Tensor g) {
    this.grad = g;
  }

  /** Low level: the op that produced this tensor, or {@code null} for leaves. */
  public GradNode gradNode() {
    return gradNode;
  }

  /** Low level: links this result to the op that produced it (the autodiff engine uses this). */
  public void setGradNode(GradNode node) {
    this.gradNode = node;
    this.requiresGrad = node != null || requiresGrad;
  }

  /** True for tensors made by the user rather than by an op. */
  public boolean isLeaf() {
    return gradNode == null;
  }

  /**
   * Back-propagates from this scalar: every leaf that requires grad gets d this / d leaf added to
   * its grad.
   */
  public void backward() {
    Autograd.backward(this, null);
  }

  /** Back-propagates with an explicit upstream gradient of this tensor's shape. */
  public void backward(Tensor upstream) {
    Autograd.backward(this, upstream);
  }

  /** The same values without a history: gradients stop here. Shares memory. */
  public Tensor detach() {
    return new Tensor(view);
  }

  // ---------------------------------------------------------------- elementwise (the rest is in
  // ElementwiseMath)

  /**
   * {@code op} of every element, with its derivative recorded; {@code exp()}, {@code relu()}, ...
   * call this.
   */
  @Override
  public Tensor unary(UnaryOp op) {
    return Elementwise.unary(op, this);
  }

  /**
   * {@code this op o} with numpy broadcasting, derivative recorded; {@code add}, {@code mul}, ...
   * call this.
   */
  @Override
  public Tensor binary(BinaryOp op, Tensor o) {
    return Elementwise.binary(op, this, o);
  }

  /** A rank-0 tensor of this tensor's type on its device, for scalar operands. */
  @Override
  public Tensor constantLike(double value) {
    return full(device(), value, view.dtype());
  }

  /** cond != 0 ? a : b, with broadcasting; the gradient flows to a and b. */
  public static Tensor where(Tensor cond, Tensor a, Tensor b) {
    return Elementwise.where(cond, a, b);
  }

  /**
   * This tensor on another device (a copy; this tensor itself when it is already there). The
   * gradient flows back to the original device. Fails clearly when no backend serves the device.
   */
  public Tensor to(Device target) {
    if (device().equals(target)) {
      return this;
    }
    Backend destination = Backends.of(target);
    // Backends only ever see dense row-major views at offset 0 cross the host boundary, so a
    // device's copy is one plain transfer; a view is made dense first where it lives.
    DType dtype = view.dtype();
    Tensor dense = Movement.materialize(this, dtype);
    Tensor host = sameOrNew(backend().toHost(dense.view), dense);
    Tensor hostDense = Movement.materialize(host, dtype);
    Tensor moved = sameOrNew(destination.fromHost(hostDense.view), hostDense);
    // Free the staging copies now rather than at the next GC.
    for (Tensor staged : new Tensor[] {dense, host, hostDense}) {
      if (staged != this && staged != moved) {
        staged.close();
      }
    }
    Device from = device();
    return Autograd.record(moved, "to(" + target + ")", g -> new Tensor[] {g.to(from)}, this);
  }

  /**
   * {@code t} itself when a backend handed its view back unchanged (a CPU transfer), else a new
   * tensor.
   */
  private static Tensor sameOrNew(View v, Tensor t) {
    return v == t.view ? t : new Tensor(v);
  }

  /**
   * Starts a fused elementwise chain on this tensor, evaluated in one pass without temporaries:
   * {@code a.fused().mul(b).add(c).relu().eval()}. See {@link Fused}.
   */
  public Fused fused() {
    return Fused.of(this);
  }

  /** Converts to another element type (a copy; differentiable between float types). */
  public Tensor to(DType target) {
    return Elementwise.cast(this, target);
  }

  // ---------------------------------------------------------------- reductions

  public Tensor sum() {
    return Reductions.reduce(ReduceOp.SUM, this, new int[0], false);
  }

  public Tensor sum(int axis) {
    return sum(axis, false);
  }

  public Tensor sum(int axis, boolean keepDim) {
    return Reductions.reduce(ReduceOp.SUM, this, new int[] {axis}, keepDim);
  }

  public Tensor sum(int[] axes, boolean keepDim) {
    return Reductions.reduce(ReduceOp.SUM, this, axes, keepDim);
  }

  public Tensor mean() {
    return Reductions.mean(this, new int[0], false);
  }

  public Tensor mean(int axis) {
    return mean(axis, false);
  }

  public Tensor mean(int axis, boolean keepDim) {
    return Reductions.mean(this, new int[] {axis}, keepDim);
  }

  public Tensor mean(int[] axes, boolean keepDim) {
    return Reductions.mean(this, axes, keepDim);
  }

  /** The largest element. */
  public Tensor max() {
    return Reductions.reduce(ReduceOp.MAX, this, new int[0], false);
  }

  public Tensor max(int axis) {
    return max(axis, false);
  }

  public Tensor max(int axis, boolean keepDim) {
    return Reductions.reduce(ReduceOp.MAX, this, new int[] {axis}, keepDim);
  }

  public Tensor min() {
    return Reductions.reduce(ReduceOp.MIN, this, new int[0], false);
  }

  public Tensor min(int axis) {
    return min(axis, false);
  }

  public Tensor min(int axis, boolean keepDim) {
    return Reductions.reduce(ReduceOp.MIN, this, new int[] {axis}, keepDim);
  }

  /** Population variance (divides by n) over an axis. */
  public Tensor variance(int axis, boolean keepDim) {
    return Reductions.variance(this, new int[] {axis}, keepDim);
  }

  /** Index of the largest element along an axis, as int32; the axis is removed. */
  public Tensor argmax(int axis) {
    return Reductions.argReduce(this, axis, true);
  }

  public Tensor argmin(int axis) {
    return Reductions.argReduce(this, axis, false);
  }

  /** log(sum(exp(x))) along an axis, computed stably by shifting with the maximum. */
  public Tensor logSumExp(int axis, boolean keepDim) {
    return Softmax.logSumExp(this, axis, keepDim);
  }

  /** exp(x) / sum(exp(x)) along an axis, stable for large inputs. */
  public Tensor softmax(int axis) {
    return Softmax.softmax(this, axis);
  }

  /** x - logsumexp(x) along an axis: the log of softmax without its underflow. */
  public Tensor logSoftmax(int axis) {
    return Softmax.logSoftmax(this, axis);
  }

  // ---------------------------------------------------------------- linear algebra

  /** Matrix product with numpy semantics: 1-D operands are promoted, batch axes broadcast. */
  public Tensor matmul(Tensor o) {
    return LinearAlgebra.matmul(this, o);
  }

  // ---------------------------------------------------------------- convolution and pooling
  // NCHW, as torch.nn.functional; the full settings are in ConvOptions and PoolOptions.

  /** A 2-D convolution with weight {@code [out, in, kh, kw]}: stride 1, no padding, no bias. */
  public Tensor conv2d(Tensor weight) {
    return Convolution.conv2d(this, weight, null, ConvOptions.defaults());
  }

  /** A 2-D convolution; {@code bias} ({@code [out]}) may be null. */
  public Tensor conv2d(Tensor weight, Tensor bias, ConvOptions options) {
    return Convolution.conv2d(this, weight, bias, options);
  }

  /** torch's positional form: {@code conv2d(w, b, stride, padding)}. */
  public Tensor conv2d(Tensor weight, Tensor bias, int stride, int padding) {
    return Convolution.conv2d(
        this, weight, bias, ConvOptions.defaults().stride(stride).padding(padding));
  }

  /** A 1-D convolution of {@code [N, C, L]} with weight {@code [out, in / groups, k]}. */
  public Tensor conv1d(Tensor weight, Tensor bias, ConvOptions options) {
    return Convolution.conv1d(this, weight, bias, options);
  }

  /** The transposed 2-D convolution, weight {@code [in, out / groups, kh, kw]}. */
  public Tensor convTranspose2d(Tensor weight, Tensor bias, ConvOptions options) {
    return Convolution.convTranspose2d(this, weight, bias, options);
  }

  /** Max pooling over {@code k x k} windows every {@code k}. */
  public Tensor maxPool2d(int k) {
    return Pooling.maxPool2d(this, PoolOptions.kernel(k));
  }

  public Tensor maxPool2d(PoolOptions options) {
    return Pooling.maxPool2d(this, options);
  }

  /** Average pooling over {@code k x k} windows every {@code k}. */
  public Tensor avgPool2d(int k) {
    return Pooling.avgPool2d(this, PoolOptions.kernel(k));
  }

  public Tensor avgPool2d(PoolOptions options) {
    return Pooling.avgPool2d(this, options);
  }

  public Tensor maxPool1d(PoolOptions options) {
    return Pooling.maxPool1d(this, options);
  }

  public Tensor avgPool1d(PoolOptions options) {
    return Pooling.avgPool1d(this, options);
  }

  /** Average pooling to an {@code h x w} output whatever the input size (torch's adaptive). */
  public Tensor adaptiveAvgPool2d(int h, int w) {
    return Pooling.adaptiveAvgPool2d(this, h, w);
  }

  /**
   * Zeros around the last axes: {@code pad(left, right)} the width, {@code pad(left, right, top,
   * bottom)} width and height (torch.nn.functional.pad's order).
   */
  public Tensor pad(int... pads) {
    return Resampling.pad(this, pads, PadMode.CONSTANT, 0);
  }

  public Tensor pad(int[] pads, PadMode mode, double value) {
    return Resampling.pad(this, pads, mode, value);
  }

  /** Resizes the last two axes (an NCHW or CHW image) to {@code h x w}. */
  public Tensor interpolate(int h, int w, Interpolation mode) {
    return Resampling.interpolate(this, h, w, mode);
  }

  /** Resizes the last two axes by an integer factor. */
  public Tensor upsample(int scale, Interpolation mode) {
    return Resampling.upsample(this, scale, mode);
  }

  // ---------------------------------------------------------------- movement (views)

  /** Same elements, new shape; one size may be -1. A view when the layout allows, else a copy. */
  public Tensor reshape(long... newShape) {
    return Movement.reshape(this, newShape);
  }

  public Tensor flatten() {
    return reshape(numel());
  }

  /** Reorders axes: result axis i is this tensor's axis {@code order[i]}. A view. */
  public Tensor permute(int... order) {
    return Movement.permute(this, order);
  }

  /** Swaps the last two axes (a no-op for rank below 2). A view. */
  public Tensor transpose() {
    return dim() < 2 ? this : transpose(-2, -1);
  }

  public Tensor transpose(int a, int b) {
    return Movement.transpose(this, a, b);
  }

  /**
   * Elements start, start+step, ... below end along an axis (negative indices count from the end).
   * A view.
   */
  public Tensor slice(int axis, long start, long end) {
    return Movement.slice(this, axis, start, end, 1);
  }

  public Tensor slice(int axis, long start, long end, long step) {
    return Movement.slice(this, axis, start, end, step);
  }

  /** The sub-tensor at {@code index} along an axis, which disappears. A view. */
  public Tensor select(int axis, long index) {
    return Movement.select(this, axis, index);
  }

  /** Broadcasts size-1 axes (and new leading axes) to a larger shape without copying. */
  public Tensor expand(long... newShape) {
    return Movement.expand(this, newShape);
  }

  public Tensor squeeze(int axis) {
    return Movement.squeeze(this, axis);
  }

  public Tensor unsqueeze(int axis) {
    return Movement.unsqueeze(this, axis);
  }

  /** A contiguous tensor with these values: this one if already contiguous, else a copy. */
  public Tensor contiguous() {
    return isContiguous() ? this : Movement.copy(this);
  }

  /** A fresh contiguous copy (with history: the gradient flows through). */
  public Tensor copy() {
    return Movement.copy(this);
  }

  // ---------------------------------------------------------------- indexing and joining

  /** torch.gather: picks along {@code axis} with an int32 index of the same rank. */
  public Tensor gather(int axis, Tensor index) {
    return Indexing.gather(this, axis, index);
  }

  /** Rows (or slices along {@code axis}) chosen by a 1-D int32 index: an embedding lookup. */
  public Tensor indexSelect(int axis, Tensor index) {
    return Indexing.indexSelect(this, axis, index);
  }

  /** Joins tensors along an existing axis. */
  public static Tensor concat(int axis, Tensor... parts) {
    return Indexing.concat(axis, parts);
  }

  /** Joins same-shaped tensors along a new axis. */
  public static Tensor stack(int axis, Tensor... parts) {
    return Indexing.stack(axis, parts);
  }

  // ---------------------------------------------------------------- in place (optimizers, no
  // history)

  /** this += o (broadcast to this shape). Refused where autodiff would need the old values. */
  public Tensor addInPlace(Tensor o) {
    return Elementwise.inPlace(BinaryOp.ADD, this, o);
  }

  public Tensor subInPlace(Tensor o) {
    return Elementwise.inPlace(BinaryOp.SUB, this, o);
  }

  public Tensor mulInPlace(Tensor o) {
    return Elementwise.inPlace(BinaryOp.MUL, this, o);
  }

  public Tensor divInPlace(Tensor o) {
    return Elementwise.inPlace(BinaryOp.DIV, this, o);
  }

  public Tensor mulInPlace(double c) {
    return mulInPlace(constantLike(c));
  }

  public Tensor addInPlace(double c) {
    return addInPlace(constantLike(c));
  }

  /** Overwrites every element with the values of {@code src} (broadcast to this shape). */
  public Tensor copyFrom(Tensor src) {
    return Elementwise.assign(this, src);
  }

  public Tensor fillInPlace(double value) {
    Elementwise.checkWritable("fillInPlace", this);
    backend().fill(view, value);
    return this;
  }

  // ---------------------------------------------------------------- reading values

  /** The value of a one-element tensor. */
  public double item() {
    if (numel() != 1) {
      throw new IllegalStateException(
          "item: the tensor has "
              + numel()
              + " elements (shape "
              + shapeString()
              + "), item() needs exactly one");
    }
    return backend().get(view, 0);
  }

  /** The element at an index (negative indices count from the end). */
  public double get(long... index) {
    long[] shape = view.shape();
    if (index.length != shape.length) {
      throw new IllegalArgumentException(
          "get: " + index.length + " indices for a tensor of rank " + shape.length);
    }
    long flat = 0;
    for (int i = 0; i < shape.length; i++) {
      long ix = index[i] < 0 ? index[i] + shape[i] : index[i];
      if (ix < 0 || ix >= shape[i]) {
        throw new IndexOutOfBoundsException(
            "get: index " + index[i] + " is out of range for axis " + i + " of size " + shape[i]);
      }
      flat = flat * shape[i] + ix;
    }
    return backend().get(view, flat);
  }

  /**
   * Writes one element (negative indices count from the end), converted to this tensor's type;
   * returns this. Like every in-place write it is refused on a tensor that requires grad, except
   * under {@link Autograd#noGrad()}. Writes show through every view of the same memory.
   */
  public Tensor set(double value, long... index) {
    Elementwise.checkWritable("set", this);
    long[] shape = view.shape();
    if (index.length != shape.length) {
      throw new IllegalArgumentException(
          "set: " + index.length + " indices for a tensor of rank " + shape.length);
    }
    long flat = 0;
    for (int i = 0; i < shape.length; i++) {
      long ix = index[i] < 0 ? index[i] + shape[i] : index[i];
      if (ix < 0 || ix >= shape[i]) {
        throw new IndexOutOfBoundsException(
            "set: index " + index[i] + " is out of range for axis " + i + " of size " + shape[i]);
      }
      flat = flat * shape[i] + ix;
    }
    backend().set(view, flat, value);
    return this;
  }

  /**
   * All elements in row-major order, as float (copied to the host first when on another device).
   */
  public float[] toFloatArray() {
    Tensor h = Movement.hostDense(this, DType.FLOAT32);
    try {
      return h.view.hostMemory().toArray(ValueLayout.JAVA_FLOAT);
    } finally {
      freeCopy(h);
    }
  }

  public double[] toDoubleArray() {
    Tensor h = Movement.hostDense(this, DType.FLOAT64);
    try {
      return h.view.hostMemory().toArray(ValueLayout.JAVA_DOUBLE);
    } finally {
      freeCopy(h);
    }
  }

  public int[] toIntArray() {
    Tensor h = Movement.hostDense(this, DType.INT32);
    try {
      return h.view.hostMemory().toArray(ValueLayout.JAVA_INT);
    } finally {
      freeCopy(h);
    }
  }

  /**
   * Frees a copy made only to be read, once the read is done. Also what keeps the copy reachable
   * until then: the segment's address is raw, so without a later use the collector could free the
   * copy's memory while the array is still being filled from it.
   */
  private void freeCopy(Tensor copy) {
    if (copy != this) {
      copy.close();
    }
  }

  // ---------------------------------------------------------------- memory

  /** Hands this tensor (and its gradient) to {@code target}; see {@link MemoryScope#keep}. */
  @Override
  public void moveTo(MemoryScope target) {
    view.storage().moveTo(target);
    if (grad != null) {
      grad.moveTo(target);
    }
  }

  /**
   * Frees the memory now. Every view of it becomes unusable. Optional: scopes and the GC do this
   * too.
   */
  @Override
  public void close() {
    view.storage().release();
  }

  // ---------------------------------------------------------------- text

  @Override
  public String toString() {
    return TensorText.format(this);
  }

  /** text/plain as {@link #toString()}, plus an HTML table for 1-D and 2-D tensors. */
  @Override
  public MimeBundle toMimeBundle() {
    return TensorText.bundle(this);
  }

  /** The shape as text, e.g. {@code [3,4]}. */
  public String shapeString() {
    return Shapes.str(view.shape());
  }

  @Override
  public boolean equals(Object o) {
    return this == o;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(this);
  }

  /**
   * True when both have the same shape and every pair of elements differs by at most atol +
   * rtol·|other|.
   */
  public boolean allClose(Tensor other, double rtol, double atol) {
    if (!view.sameShape(other.view)) {
      return false;
    }
    double[] a = toDoubleArray();
    double[] b = other.toDoubleArray();
    for (int i = 0; i < a.length; i++) {
      if (Double.isNaN(a[i]) != Double.isNaN(b[i])
          || Math.abs(a[i] - b[i]) > atol + rtol * Math.abs(b[i])) {
        return false;
      }
    }
    return true;
  }
}
