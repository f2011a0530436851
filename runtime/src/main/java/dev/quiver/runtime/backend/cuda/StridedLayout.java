package dev.quiver.runtime.backend.cuda;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The {@code Layout<K>} struct the kernels take by value: a shape shared by K operands and each
 * operand's strides, after dropping axes of size 1 and merging axes that are contiguous in every
 * operand at once. Merging is what gives dense tensors their fast path (rank 1, stride 1, no
 * division per element) and turns most broadcasts into rank 2.
 *
 * <p>Host layout, matching prelude.cu: {@code int rank; int pad; long long size[8]; long long
 * stride[K][8]}.
 */
record StridedLayout(long[] size, long[][] strides) {
  static final int MAX_RANK = 8;

  int rank() {
    return size.length;
  }

  int operands() {
    return strides.length;
  }

  long numel() {
    long n = 1;
    for (long s : size) {
      n *= s;
    }
    return n;
  }

  /** Bytes of the struct for K operands. */
  static long byteSize(int operands) {
    return 8 + 8L * MAX_RANK + 8L * MAX_RANK * operands;
  }

  /**
   * The collapsed layout of {@code shape} seen through each operand's {@code strides}. Throws a
   * clear error when more than {@link #MAX_RANK} axes remain after merging.
   */
  static StridedLayout of(String op, long[] shape, long[]... strides) {
    int k = strides.length;
    long[] size = new long[shape.length];
    long[][] st = new long[k][shape.length];
    int r = 0;
    // Walk from the innermost axis outwards, merging an axis into the previous kept one when
    // every operand steps over it exactly as if the two were one axis.
    for (int d = shape.length - 1; d >= 0; d--) {
      if (shape[d] == 1) {
        continue;
      }
      if (r > 0) {
        boolean merge = true;
        for (int j = 0; j < k && merge; j++) {
          merge = strides[j][d] == st[j][r - 1] * size[r - 1];
        }
        if (merge) {
          size[r - 1] *= shape[d];
          continue;
        }
      }
      size[r] = shape[d];
      for (int j = 0; j < k; j++) {
        st[j][r] = strides[j][d];
      }
      r++;
    }
    if (r == 0) {
      // A single element (or a rank-0 tensor): rank 1 of size 1.
      long[][] one = new long[k][];
      for (int j = 0; j < k; j++) {
        one[j] = new long[] {1};
      }
      return new StridedLayout(new long[] {1}, one);
    }
    if (r > MAX_RANK) {
      throw new IllegalArgumentException(
          op
              + ": shape "
              + Arrays.toString(shape)
              + " has "
              + r
              + " axes that cannot be merged (strided views); the CUDA backend handles at most "
              + MAX_RANK
              + ". Make the operands contiguous first.");
    }
    // Collected innermost first: reverse into row-major order.
    long[] outSize = new long[r];
    long[][] outStrides = new long[k][r];
    for (int i = 0; i < r; i++) {
      outSize[i] = size[r - 1 - i];
      for (int j = 0; j < k; j++) {
        outStrides[j][i] = st[j][r - 1 - i];
      }
    }
    return new StridedLayout(outSize, outStrides);
  }

  /** True when every operand is one dense run (the kernels' fast path). */
  boolean isDense() {
    if (rank() != 1) {
      return false;
    }
    for (long[] s : strides) {
      if (s[0] != 1) {
        return false;
      }
    }
    return true;
  }

  /** Writes the struct at {@code at} (8-byte aligned). */
  void encode(MemorySegment at) {
    at.set(ValueLayout.JAVA_INT, 0, rank());
    at.set(ValueLayout.JAVA_INT, 4, 0);
    for (int d = 0; d < MAX_RANK; d++) {
      at.set(ValueLayout.JAVA_LONG, 8 + 8L * d, d < rank() ? size[d] : 1);
    }
    for (int j = 0; j < operands(); j++) {
      long base = 8 + 8L * MAX_RANK + 8L * MAX_RANK * j;
      for (int d = 0; d < MAX_RANK; d++) {
        at.set(ValueLayout.JAVA_LONG, base + 8L * d, d < rank() ? strides[j][d] : 0);
      }
    }
  }
}
