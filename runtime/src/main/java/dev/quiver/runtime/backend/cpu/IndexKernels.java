package dev.quiver.runtime.backend.cpu;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.backend.View;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** gather and its adjoint scatter-add, walking the index tensor's shape. */
final class IndexKernels {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
  private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

  private IndexKernels() {}

  static void gather(View x, int axis, View index, View out) {
    if (axis == 0 && picksWholeRows(x, index, out)) {
      copyRows(x, index, out);
      return;
    }
    walk(x, axis, index, out, false);
  }

  /**
   * True for a row lookup (an embedding, a mini-batch picked from a data set): the index varies
   * along axis 0 only, and input and output are dense, so each pick is one block copy.
   */
  private static boolean picksWholeRows(View x, View index, View out) {
    long[] is = index.strides();
    for (int d = 1; d < is.length; d++) {
      if (is[d] != 0 && index.shape()[d] != 1) {
        return false;
      }
    }
    return x.isContiguous()
        && out.isContiguous()
        && x.dtype() == out.dtype()
        && x.dim() > 0
        && java.util.Arrays.equals(
            java.util.Arrays.copyOfRange(x.shape(), 1, x.dim()),
            java.util.Arrays.copyOfRange(out.shape(), 1, out.dim()));
  }

  private static void copyRows(View x, View index, View out) {
    long rows = out.shape()[0];
    long rowBytes = rows == 0 ? 0 : out.numel() / rows * x.dtype().byteSize();
    long available = x.shape()[0];
    MemorySegment xm = x.hostSegment();
    MemorySegment im = index.hostSegment();
    MemorySegment om = out.hostSegment();
    long stride = index.strides()[0];
    long xBase = x.offset() * x.dtype().byteSize();
    long oBase = out.offset() * out.dtype().byteSize();
    for (long r = 0; r < rows; r++) {
      long target = im.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, index.offset() + r * stride);
      if (target < 0 || target >= available) {
        throw new IndexOutOfBoundsException(
            "gather: index " + target + " is out of range for axis 0 of size " + available);
      }
      MemorySegment.copy(xm, xBase + target * rowBytes, om, oBase + r * rowBytes, rowBytes);
    }
  }

  static void scatterAdd(View out, int axis, View index, View src) {
    if (axis == 0 && out.dtype() == DType.FLOAT32 && picksWholeRows(out, index, src)) {
      addRows(out, index, src);
      return;
    }
    walk(out, axis, index, src, true);
  }

  /**
   * The adjoint of {@link #copyRows} (an embedding's backward): row r of src is added to row
   * index[r] of out, a vector at a time; rows that pick the same target add up in order.
   */
  private static void addRows(View out, View index, View src) {
    long rows = src.shape()[0];
    long width = rows == 0 ? 0 : src.numel() / rows;
    long available = out.shape()[0];
    MemorySegment om = out.hostSegment();
    MemorySegment im = index.hostSegment();
    MemorySegment sm = src.hostSegment();
    long stride = index.strides()[0];
    long bound = width - width % L;
    for (long r = 0; r < rows; r++) {
      long target = im.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, index.offset() + r * stride);
      if (target < 0 || target >= available) {
        throw new IndexOutOfBoundsException(
            "scatterAdd: index " + target + " is out of range for axis 0 of size " + available);
      }
      long o = (out.offset() + target * width) * Float.BYTES;
      long i = (src.offset() + r * width) * Float.BYTES;
      long j = 0;
      for (; j < bound; j += L) {
        long b = j * Float.BYTES;
        FloatVector.fromMemorySegment(F, om, o + b, NATIVE)
            .add(FloatVector.fromMemorySegment(F, sm, i + b, NATIVE))
            .intoMemorySegment(om, o + b, NATIVE);
      }
      for (; j < width; j++) {
        long b = j * Float.BYTES;
        om.set(FLOAT, o + b, om.get(FLOAT, o + b) + sm.get(FLOAT, i + b));
      }
    }
  }

  /**
   * Visits every position p of {@code index}; the data tensor is addressed at p with the axis
   * coordinate replaced by index[p]. Gather copies data -> other; scatter adds other -> data.
   */
  private static void walk(View data, int axis, View index, View other, boolean scatter) {
    long[] shape = index.shape();
    long[] ds = data.strides();
    long[] is = index.strides();
    long[] os = other.strides();
    long axisSize = data.shape()[axis];
    MemorySegment dm = data.hostSegment();
    MemorySegment im = index.hostSegment();
    MemorySegment om = other.hostSegment();
    DType dt = data.dtype();
    DType ot = other.dtype();
    int rank = shape.length;
    long total = index.numel();
    long[] pos = new long[rank];
    for (long e = 0; e < total; e++) {
      if ((e & 0xFFFF) == 0xFFFF) {
        Parallel.checkInterrupt(scatter ? "scatterAdd" : "gather");
      }
      long rem = e;
      long dOff = data.offset();
      long iOff = index.offset();
      long oOff = other.offset();
      for (int d = rank - 1; d >= 0; d--) {
        pos[d] = rem % shape[d];
        rem /= shape[d];
        iOff += pos[d] * is[d];
        oOff += pos[d] * os[d];
        if (d != axis) {
          dOff += pos[d] * ds[d];
        }
      }
      long target = im.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, iOff);
      if (target < 0 || target >= axisSize) {
        throw new IndexOutOfBoundsException(
            (scatter ? "scatterAdd" : "gather")
                + ": index "
                + target
                + " is out of range for axis "
                + axis
                + " of size "
                + axisSize);
      }
      dOff += target * ds[axis];
      if (scatter) {
        ElementwiseKernels.write(
            dm,
            dt,
            dOff,
            ElementwiseKernels.read(dm, dt, dOff) + ElementwiseKernels.read(om, ot, oOff));
      } else {
        ElementwiseKernels.write(om, ot, oOff, ElementwiseKernels.read(dm, dt, dOff));
      }
    }
  }
}
