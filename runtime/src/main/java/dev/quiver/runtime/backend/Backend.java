package dev.quiver.runtime.backend;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.math.ElementwiseMath.BinaryOp;
import dev.quiver.runtime.math.ElementwiseMath.UnaryOp;
import dev.quiver.runtime.memory.MemoryScope;
import dev.quiver.runtime.memory.Storage;

/**
 * The device seam: every op is defined once (shape checks, broadcasting, autodiff in {@code
 * dev.quiver.runtime.ops}) and computed by the backend of its operands' device. Kernels see {@link
 * View}s (memory, type, shape, strides, offset), never the user's tensors.
 *
 * <p>Contract for every kernel: operands are already validated and broadcast (a broadcast axis has
 * stride 0); {@code out} has the result's shape, may be any strided layout of this backend's
 * storage and may alias an input exactly (in-place ops). Kernels must not allocate results. Long
 * kernels poll the thread's interrupt flag and stop with an exception.
 */
public interface Backend {
  Device device();

  /**
   * Memory for {@code bytes}, owned by {@code owner} ({@code null}: freed by the garbage
   * collector).
   */
  Storage allocate(long bytes, MemoryScope owner);

  /**
   * Memory for {@code bytes} of {@code dtype} elements, owned by {@code owner}: a backend may place
   * it by element type (the CPU's small GC-managed tensors on the Java heap).
   */
  default Storage allocate(long bytes, DType dtype, MemoryScope owner) {
    return allocate(bytes, owner);
  }

  void fill(View out, double value);

  /**
   * Copies {@code src} into {@code out} (same shape), converting the element type if they differ.
   */
  void copy(View src, View out);

  void unary(UnaryOp op, View x, View out);

  void binary(BinaryOp op, View a, View b, View out);

  /** out = cond != 0 ? a : b. */
  void where(View cond, View a, View b, View out);

  /**
   * Reduces {@code x} into {@code out}, whose shape is {@code x}'s with the reduced axes of size 1;
   * a reduced axis is one where out has size 1 and x does not (or both are 1).
   */
  void reduce(ReduceOp op, View x, View out);

  /**
   * Index of the largest ({@code max}) or smallest element along {@code axis}; out is int32 with
   * that axis of size 1.
   */
  void argReduce(View x, int axis, boolean max, View out);

  /**
   * Batched matrix product: a [..., m, k] · b [..., k, n] into out [..., m, n]; batch axes already
   * broadcast.
   */
  void matmul(View a, View b, View out);

  /**
   * out[..i.., j, ..k..] = x[..i.., index[..i.., j, ..k..], ..k..] along {@code axis}
   * (torch.gather). Index is int32.
   */
  void gather(View x, int axis, View index, View out);

  /** out[..i.., index[..i.., j, ..k..], ..k..] += src[..i.., j, ..k..]: the adjoint of gather. */
  void scatterAdd(View out, int axis, View index, View src);

  // ---------------------------------------------------------------- convolution and pooling
  // Operands of these are dense row-major (the ops make them so), float32 or float64. A backend
  // without a convolution kernel of its own passes the convolutions to GemmConvolution (im2col +
  // matmul on its own primitives); the CPU's float32 kernels are its own.

  /**
   * The column matrices of a batch of convolution inputs: x {@code [n, C, H, W]} into cols {@code
   * [n, C·kh·kw, outH·outW]}, row {@code (c, i, j)} holding the input pixel under kernel tap {@code
   * (i, j)} of channel {@code c} for every output pixel (zero where that lies in the padding).
   */
  void im2col(View x, View cols, ConvGeometry g);

  /**
   * The adjoint of {@link #im2col}: x (overwritten) = the sum, at every input pixel, of the column
   * entries that read it.
   */
  void col2im(View cols, View x, ConvGeometry g);

  /** out {@code [N, O, outH, outW]} = x {@code [N, C, H, W]} cross-correlated with w. No bias. */
  void conv2d(View x, View w, View out, ConvGeometry g);

  /** gx (overwritten) = the gradient of {@link #conv2d} with respect to its input. */
  void conv2dBackwardInput(View gOut, View w, View gx, ConvGeometry g);

  /** gw (overwritten) = the gradient of {@link #conv2d} with respect to its weight. */
  void conv2dBackwardWeight(View x, View gOut, View gw, ConvGeometry g);

  /**
   * out {@code [planes, outH·outW]} = the largest element of each window of x {@code [planes,
   * inH·inW]} (NaN wins, as in torch); argmax (int32, out's shape) = its position in the plane.
   */
  void maxPool2d(View x, View out, View argmax, PoolGeometry p);

  /** gx (overwritten) = gOut routed back to the positions argmax names. */
  default void maxPool2dBackward(View gOut, View argmax, View gx, PoolGeometry p) {
    fill(gx, 0);
    scatterAdd(gx, 1, argmax, gOut);
  }

  /** out {@code [planes, outH·outW]} = the mean of each window of x {@code [planes, inH·inW]}. */
  void avgPool2d(View x, View out, PoolGeometry p);

  /** gx (overwritten) = the gradient of {@link #avgPool2d}: each window's gOut spread evenly. */
  void avgPool2dBackward(View gOut, View gx, PoolGeometry p);

  /**
   * Batch normalization of x {@code [n, c, s]} per channel (the n·s elements of channel ch): y = (x
   * - mean) / sqrt(var + eps) · weight + bias. With {@code stats}, mean and var {@code [c]} are
   * written with the batch's mean and biased variance; else they are read (running statistics).
   * weight and bias may be null (1 and 0). All operands dense and of x's type. Returns false,
   * before writing anything, when this backend has no kernel for them; the op is then composed from
   * primitives (the reference the kernel is tested against).
   */
  default boolean batchNorm(
      View x, View mean, View var, View weight, View bias, View y, double eps, boolean stats) {
    return false;
  }

  /**
   * The gradient of {@link #batchNorm} for upstream dy (x's shape) into {@code grads}: dx, dweight
   * and dbias ({@code [c]}), each overwritten, or null when not wanted. With {@code stats} the mean
   * and variance are the batch's and depend on x; else they are constants. Returns false, before
   * writing anything, when this backend has no kernel for these operands.
   */
  default boolean batchNormBackward(
      View x, View dy, View mean, View var, View weight, View[] grads, double eps, boolean stats) {
    return false;
  }

  /**
   * log-softmax along the last axis in one pass, into {@code out} of x's shape. Returns false when
   * this backend has no fused kernel for x's type or layout; the op is then composed from
   * primitives, so a new backend works before it fuses anything.
   */
  default boolean logSoftmaxLastAxis(View x, View out) {
    return false;
  }

  /**
   * The elementwise part of one LSTM step (torch's gate order i, f, g, o), in one pass: with z = xw
   * + hh [batch, 4·hidden], gates = (σ(z_i), σ(z_f), tanh(z_g), σ(z_o)), c' = f·cPrev + i·g, h' =
   * o·tanh(c'), and with a mask m [batch] (null: every row is a real step) c = cPrev + m·(c' -
   * cPrev), h = hPrev + m·(h' - hPrev). Operands are matrices with a unit column stride and any row
   * stride. Returns false, before writing anything, when this backend has no kernel for them; the
   * recurrent layer then composes the step from primitives (the reference the kernel is tested
   * against).
   */
  default boolean lstmCell(
      View xw, View hh, View hPrev, View cPrev, View mask, View gates, View h, View c) {
    return false;
  }

  /**
   * The gradient of {@link #lstmCell} in one pass. gH and gC reach the step's h and c from outside
   * the recurrence, dh and dc from the next step; writes dz [batch, 4·hidden] (the gradient of xw
   * and of hh), overwrites dc with cPrev's gradient and dh with the part of hPrev's gradient that
   * bypasses the cell ((1 - m)·(gH + dh); the caller adds dz·W_hh). Returns false, before writing
   * anything, when this backend has no kernel for these operands.
   */
  default boolean lstmCellBackward(
      View gates, View cPrev, View mask, View gH, View gC, View dh, View dc, View dz) {
    return false;
  }

  /**
   * A whole LSTM direction in one call: {@code xw} [batch, seq, 4·hidden] is every step's input
   * projection with its biases, {@code whh} is W_hh [4·hidden, hidden] (any strides), {@code h0}
   * and {@code c0} [batch, hidden], {@code mask} [batch, seq] or null, {@code reverse} runs from
   * the last step to the first; writes every step's gates [batch, seq, 4·hidden] (as {@link
   * #lstmCell}) and {@code states} [2, batch, seq, hidden] (h, then c, after every step). Returns
   * false, before writing anything, when this backend has none for these operands: the caller then
   * runs the steps one by one with {@link #matmul} and {@link #lstmCell}.
   */
  default boolean lstmSequence(
      View xw, View whh, View h0, View c0, View mask, boolean reverse, View gates, View states) {
    return false;
  }

  /**
   * The gradient of {@link #lstmSequence}: {@code gStates} [2, batch, seq, hidden] reaches every
   * step's h and c from outside the recurrence; writes {@code gx} [batch, seq, 4·hidden] (the
   * gradient of xw, which is also each step's gradient of h·W_hhᵀ), and {@code dh}, {@code dc}
   * [batch, hidden], the gradients of h0 and c0. W_hh's gradient is left to the caller (one product
   * over all steps). Returns false, before writing anything, when this backend has none.
   */
  default boolean lstmSequenceBackward(
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
    return false;
  }

  /**
   * Updates {@code param} (and {@code state}, as {@code step} says) in place from {@code grad} in
   * one pass. Returns false when this backend has no kernel for these operands (their type, layout,
   * device); the optimizer then composes the step from elementwise ops. Operands have the same
   * number of elements.
   */
  default boolean optimizerStep(OptimizerStep step, View param, View grad, View[] state) {
    return false;
  }

  /**
   * A copy of {@code x} (on this backend's device) in host memory; the CPU backend returns x
   * itself. The runtime passes dense row-major views at offset 0 ({@code Tensor.to}, reading
   * values), and may free {@code x} as soon as this returns, so the copy must be complete by then.
   */
  View toHost(View x);

  /**
   * A copy of the host view {@code host} on this backend's device; the CPU backend returns it as
   * is. {@code host} is dense row-major at offset 0, and the runtime may free it as soon as this
   * returns, so the backend must be done reading it by then.
   */
  View fromHost(View host);

  /**
   * Evaluates a fused elementwise program (float32 operands, already broadcast to {@code out}'s
   * shape) in one pass. Returns false when this backend cannot, and the caller then runs the
   * unfused ops instead; that is the default, so a new backend works before it fuses anything.
   */
  default boolean fused(ElementwiseProgram program, View[] inputs, View out) {
    return false;
  }

  /** Reads one element as a double (for item(), toString and tests; never on a hot path). */
  double get(View x, long flatIndex);

  /**
   * Writes one element, converted to x's type (for tests and the gradient checker; never on a hot
   * path). The flat index is row-major over x's shape, as in {@link #get}.
   */
  default void set(View x, long flatIndex, double value) {
    throw new UnsupportedOperationException(
        "set: the " + device() + " backend cannot write single elements");
  }

  /** The dtype results of {@code op} have for operands of type {@code in}. */
  default DType resultType(BinaryOp op, DType in) {
    return in;
  }
}
