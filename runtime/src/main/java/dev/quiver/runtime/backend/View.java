package dev.quiver.runtime.backend;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.Shapes;
import dev.quiver.runtime.memory.HostStorage;
import dev.quiver.runtime.memory.Storage;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * What a kernel sees of a tensor: its memory and how to walk it (element type, shape, strides and
 * offset, all in elements). No autodiff, no user API: a {@code Tensor} holds one of these plus its
 * gradient state, and every {@link Backend} takes and returns views, so the backends never see the
 * user's type.
 *
 * <p>A view owns the arrays it is given: nobody changes them afterwards (so views can share them,
 * which is what makes an op's result cost no shape copy). The accessors hand out copies.
 */
public final class View {
  private final Storage storage;
  private final DType dtype;
  private final long[] shape;
  private final long[] strides;
  private final long offset;

  /** 0: not yet known, 1: contiguous, 2: not (see {@link #isContiguous()}). */
  private byte contiguity;

  /** A view of {@code storage}; the arrays become the view's (not copied). */
  public View(Storage storage, DType dtype, long[] shape, long[] strides, long offset) {
    this.storage = storage;
    this.dtype = dtype;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
  }

  /** A dense row-major view of {@code storage} from element 0; {@code shape} becomes the view's. */
  public static View contiguous(Storage storage, DType dtype, long[] shape) {
    return new View(storage, dtype, shape, Shapes.contiguousStrides(shape), 0);
  }

  /**
   * A dense view of this one's shape over other memory (an op's result), sharing this view's shape
   * array, and its strides too when those are already dense: the per-op fast path.
   */
  public View denseLike(Storage storage, DType dtype) {
    return new View(
        storage, dtype, shape, isContiguous() ? strides : Shapes.contiguousStrides(shape), 0);
  }

  /**
   * Another layout over the same memory and type (a reshape, a transpose, a slice, a broadcast).
   */
  public View withLayout(long[] shape, long[] strides, long offset) {
    return new View(storage, dtype, shape, strides, offset);
  }

  public Storage storage() {
    return storage;
  }

  public DType dtype() {
    return dtype;
  }

  /** Where the memory lives. */
  public Device device() {
    return storage.device();
  }

  public long[] shape() {
    return shape.clone();
  }

  /** Strides in elements (0 on broadcast axes). */
  public long[] strides() {
    return strides.clone();
  }

  /** Element [0, ..., 0]'s position in the storage, in elements. */
  public long offset() {
    return offset;
  }

  public int dim() {
    return shape.length;
  }

  /** The size of axis {@code axis} (0 to dim() - 1). */
  public long size(int axis) {
    return shape[axis];
  }

  /** The stride of one axis, in elements, without copying the strides (for per-row loops). */
  public long stride(int axis) {
    return strides[axis];
  }

  public long numel() {
    return Shapes.numel(shape);
  }

  /** True when both views have the same shape (without copying either shape). */
  public boolean sameShape(View other) {
    return Arrays.equals(shape, other.shape);
  }

  /**
   * True when both walk the same elements of the same memory in the same order (offset and strides
   * equal).
   */
  public boolean sameLayout(View other) {
    return storage == other.storage
        && offset == other.offset
        && Arrays.equals(strides, other.strides);
  }

  /** True when the elements are laid out row-major without gaps. */
  public boolean isContiguous() {
    // Cached: every op's fast-path test asks, and shape and strides never change.
    byte c = contiguity;
    if (c == 0) {
      c = computeContiguous() ? (byte) 1 : (byte) 2;
      contiguity = c;
    }
    return c == 1;
  }

  private boolean computeContiguous() {
    if (numel() == 0) {
      return true;
    }
    long expected = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      if (shape[i] != 1 && strides[i] != expected) {
        return false;
      }
      expected *= shape[i];
    }
    return true;
  }

  /**
   * Where the element at row-major position {@code flatIndex} of this view lies in the storage, in
   * elements (what backends read and write single elements at).
   */
  public long storageIndex(long flatIndex) {
    long at = offset;
    long rem = flatIndex;
    for (int i = shape.length - 1; i >= 0; i--) {
      at += (rem % shape[i]) * strides[i];
      rem /= shape[i];
    }
    return at;
  }

  /**
   * The host memory behind this view in native memory (host storage only), checked for use after
   * release: what kernels read and write. A small tensor on the Java heap is moved off it first.
   */
  public MemorySegment hostSegment() {
    if (storage instanceof HostStorage h) {
      return h.segment();
    }
    throw notHost();
  }

  /**
   * The host bytes where they are, native or a small tensor's array on the Java heap: for bulk
   * copies and single elements, never for the Vector API's segment loads (see {@link
   * HostStorage#heapFloats()}). {@link #hostSegment()} moves a heap tensor to native memory.
   */
  public MemorySegment hostMemory() {
    if (storage instanceof HostStorage h) {
      return h.memory();
    }
    throw notHost();
  }

  /**
   * The {@code float[]} a small GC-managed float32 tensor lives in on the Java heap (element {@code
   * i} of the storage at index {@code i}), or {@code null}: see {@link HostStorage#heapFloats()}.
   */
  public float[] heapFloats() {
    return storage instanceof HostStorage h ? h.heapFloats() : null;
  }

  private IllegalStateException notHost() {
    return new IllegalStateException(
        "tensor lives on " + device() + ", not in host memory; copy it with to(Device.CPU)");
  }

  /** E.g. {@code float32[2,3] strides [3,1] offset 0 on cpu}: for debugging and error messages. */
  @Override
  public String toString() {
    return dtype
        + Shapes.str(shape)
        + " strides "
        + Shapes.str(strides)
        + " offset "
        + offset
        + " on "
        + device();
  }
}
