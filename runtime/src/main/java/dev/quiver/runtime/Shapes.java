package dev.quiver.runtime;

import java.util.Arrays;

/**
 * Shape arithmetic shared by the ops and the backends: sizes, strides, broadcasting, axis checks.
 */
public final class Shapes {
  private Shapes() {}

  public static long numel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** Row-major strides, in elements. */
  public static long[] contiguousStrides(long[] shape) {
    long[] strides = new long[shape.length];
    long s = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      strides[i] = s;
      s *= Math.max(shape[i], 1);
    }
    return strides;
  }

  public static void checkShape(String op, long[] shape) {
    long n = 1;
    boolean overflow = false;
    boolean empty = false;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(op + ": negative size in shape " + str(shape));
      } else if (d == 0) {
        empty = true;
      } else if (n > Long.MAX_VALUE / d) {
        overflow = true;
      } else {
        n *= d;
      }
    }
    if (overflow && !empty) {
      throw new IllegalArgumentException(
          op + ": shape " + str(shape) + " has more elements than a long counts (2^63-1)");
    }
  }

  /**
   * The bytes a dense tensor of {@code shape} takes, checked: a shape too big for a long, or for
   * the memory there is, fails here naming the shape, its elements and bytes, and what is available
   * ({@link dev.quiver.runtime.memory.Memory#available()}), before anything is allocated.
   */
  public static long checkedBytes(String op, DType dtype, long[] shape, boolean host) {
    checkShape(op, shape);
    long n = numel(shape);
    if (n > Long.MAX_VALUE / dtype.byteSize()) {
      throw new IllegalArgumentException(
          op
              + ": shape "
              + str(shape)
              + " has "
              + n
              + " elements, more bytes of "
              + dtype
              + " than a long counts");
    }
    long bytes = n * dtype.byteSize();
    // The message is written only for a request that may be refused: written for every tensor,
    // it was about 8% of a first Iris fit's training thread (string concatenation of the shape).
    if (host && !dev.quiver.runtime.memory.Memory.fits(bytes)) {
      dev.quiver.runtime.memory.Memory.require(
          op + ": shape " + str(shape) + " (" + n + " elements of " + dtype + ")", bytes);
    }
    return bytes;
  }

  /** numpy broadcasting of two shapes; the error names the op and both shapes. */
  public static long[] broadcast(String op, long[] a, long[] b) {
    int rank = Math.max(a.length, b.length);
    long[] out = new long[rank];
    for (int i = 0; i < rank; i++) {
      long da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
      long db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
      if (da != db && da != 1 && db != 1) {
        throw new IllegalArgumentException(
            op
                + ": shapes "
                + str(a)
                + " and "
                + str(b)
                + " cannot be broadcast: sizes "
                + da
                + " and "
                + db
                + " differ at axis "
                + i);
      }
      out[i] = da == 1 ? db : da;
    }
    return out;
  }

  /** Resolves a possibly negative axis against a rank, naming the op on error. */
  public static int axis(String op, int axis, int rank) {
    int a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) {
      throw new IllegalArgumentException(
          op + ": axis " + axis + " is out of range for a tensor of rank " + rank);
    }
    return a;
  }

  /** Sorted, de-duplicated, non-negative axes; no axes means all of them. */
  public static int[] axes(String op, int[] axes, int rank) {
    if (axes == null || axes.length == 0) {
      int[] all = new int[rank];
      for (int i = 0; i < rank; i++) {
        all[i] = i;
      }
      return all;
    }
    boolean[] seen = new boolean[rank];
    for (int a : axes) {
      int r = axis(op, a, rank);
      if (seen[r]) {
        throw new IllegalArgumentException(
            op + ": axis " + a + " given twice in " + Arrays.toString(axes));
      }
      seen[r] = true;
    }
    // A plain loop, not an IntStream: every reduction of a training step comes here, and a
    // stream pipeline runs interpreted for most of a notebook's first fit (and spins its lambda).
    int[] sorted = new int[axes.length];
    for (int i = 0, k = 0; i < rank; i++) {
      if (seen[i]) {
        sorted[k++] = i;
      }
    }
    return sorted;
  }

  public static String str(long[] shape) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < shape.length; i++) {
      if (i > 0) {
        sb.append(",");
      }
      sb.append(shape[i]);
    }
    return sb.append(']').toString();
  }
}
