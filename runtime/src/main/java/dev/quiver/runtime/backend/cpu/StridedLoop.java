package dev.quiver.runtime.backend.cpu;

/**
 * Walks an n-dimensional index space over several operands that each have their own strides (0 on
 * broadcast axes), handing the kernel one innermost run at a time.
 *
 * <p>Axes are first coalesced: size-1 axes are dropped and neighbouring axes merge whenever every
 * operand steps through them as through one axis. A contiguous tensor of any shape thus becomes a
 * single run, and a bias added to a matrix becomes rows of (stride 1, stride 1). Kernels then only
 * need fast paths for inner strides of 0 and 1.
 */
final class StridedLoop {
  /** Below this many elements a loop runs on the calling thread only. */
  static final long PARALLEL_THRESHOLD = 1L << 16;

  /** The kernel's view of one innermost run: element offsets of each operand, and its length. */
  @FunctionalInterface
  interface Run {
    void apply(long[] offsets, long length);
  }

  private final long[] dims;
  private final long[][] strides;
  private final long[] offsets;
  private final long[] inner;

  private StridedLoop(long[] dims, long[][] strides, long[] offsets) {
    this.dims = dims;
    this.strides = strides;
    this.offsets = offsets;
    this.inner = new long[strides.length];
    for (int k = 0; k < strides.length; k++) {
      inner[k] = strides[k][dims.length - 1];
    }
  }

  /** Plans the loop over {@code shape} for operands with the given strides and base offsets. */
  static StridedLoop of(long[] shape, long[][] operandStrides, long[] baseOffsets) {
    int ops = operandStrides.length;
    for (long d : shape) {
      if (d == 0) {
        // An empty index space (a 0 anywhere in the shape): one run of length 0, which no kernel
        // reads.
        return new StridedLoop(new long[] {0}, new long[ops][1], baseOffsets.clone());
      }
    }
    int rank = shape.length;
    long[] d = new long[Math.max(rank, 1)];
    long[][] s = new long[ops][Math.max(rank, 1)];
    int n = 0;
    // Walk from the innermost axis outwards, merging into the current outer axis when possible.
    for (int i = rank - 1; i >= 0; i--) {
      if (shape[i] == 1) {
        continue;
      }
      if (n > 0 && mergeable(operandStrides, i, s, n - 1, d[n - 1])) {
        d[n - 1] *= shape[i];
        continue;
      }
      d[n] = shape[i];
      for (int k = 0; k < ops; k++) {
        s[k][n] = operandStrides[k][i];
      }
      n++;
    }
    if (n == 0) {
      // A single element (rank 0, or all sizes 1).
      d[0] = shape.length == 0 ? 1 : product(shape);
      for (int k = 0; k < ops; k++) {
        s[k][0] = 1;
      }
      n = 1;
    }
    // Reverse into outer..inner order.
    long[] dims = new long[n];
    long[][] strides = new long[ops][n];
    for (int j = 0; j < n; j++) {
      dims[j] = d[n - 1 - j];
      for (int k = 0; k < ops; k++) {
        strides[k][j] = s[k][n - 1 - j];
      }
    }
    return new StridedLoop(dims, strides, baseOffsets.clone());
  }

  private static boolean mergeable(
      long[][] operandStrides, int axis, long[][] s, int current, long currentSize) {
    for (int k = 0; k < operandStrides.length; k++) {
      if (operandStrides[k][axis] != s[k][current] * currentSize) {
        return false;
      }
    }
    return true;
  }

  private static long product(long[] shape) {
    long p = 1;
    for (long x : shape) {
      p *= x;
    }
    return p;
  }

  /** Stride of operand {@code k} along the innermost run. */
  long innerStride(int k) {
    return inner[k];
  }

  /**
   * True when the loop is at most two axes after coalescing: {@link #rows()} runs, each operand's
   * row {@code r} at {@link #offset} plus {@code r} times its {@link #rowStride}. Kernels then take
   * all the rows in one call (a matrix plus a bias row, a column sum) instead of one call per row.
   */
  boolean isRows() {
    return dims.length <= 2;
  }

  /** The number of runs (the outer axis' length; 1 for a one-axis loop). */
  long rows() {
    return outerCount();
  }

  /** Operand {@code k}'s step from one row to the next ({@link #isRows} loops; 0 for one row). */
  long rowStride(int k) {
    return dims.length == 2 ? strides[k][0] : 0;
  }

  /** Operand {@code k}'s first element. */
  long offset(int k) {
    return offsets[k];
  }

  long innerLength() {
    return dims[dims.length - 1];
  }

  long totalElements() {
    return product(dims);
  }

  /** Runs every innermost run on the calling thread. */
  void runSequential(Run run) {
    if (innerLength() == 0) {
      return;
    }
    runOuter(0, outerCount(), run);
  }

  /**
   * Runs in parallel when large. The kernel must write each output element from one run only, which
   * holds for elementwise ops (outputs never broadcast).
   */
  void runParallel(String op, Run run) {
    long total = totalElements();
    long outer = outerCount();
    if (total < PARALLEL_THRESHOLD || Parallel.threads() == 1) {
      runSequential(run);
      return;
    }
    if (outer == 1) {
      // One long run: split it into chunks that stay a multiple of a cache line.
      long len = innerLength();
      long grain = Math.max(1L << 14, len / (4L * Parallel.threads())) & -16L;
      Parallel.parallelFor(
          0,
          len,
          grain,
          (from, to) -> {
            long[] off = new long[offsets.length];
            for (int k = 0; k < off.length; k++) {
              off[k] = offsets[k] + from * inner[k];
            }
            run.apply(off, to - from);
            Parallel.checkInterrupt(op);
          });
    } else {
      long rowsPerChunk = Math.max(1, PARALLEL_THRESHOLD / Math.max(1, innerLength()));
      Parallel.parallelFor(
          0,
          outer,
          rowsPerChunk,
          (from, to) -> {
            runOuter(from, to, run);
            Parallel.checkInterrupt(op);
          });
    }
  }

  private long outerCount() {
    long p = 1;
    for (int i = 0; i < dims.length - 1; i++) {
      p *= dims[i];
    }
    return p;
  }

  /** Visits outer indices [from, to): an odometer over all axes but the innermost. */
  private void runOuter(long from, long to, Run run) {
    int outerRank = dims.length - 1;
    int ops = offsets.length;
    long[] idx = new long[Math.max(outerRank, 1)];
    long[] off = new long[ops];
    // Position the odometer at `from`.
    long rem = from;
    for (int j = outerRank - 1; j >= 0; j--) {
      idx[j] = rem % dims[j];
      rem /= dims[j];
    }
    for (int k = 0; k < ops; k++) {
      long o = offsets[k];
      for (int j = 0; j < outerRank; j++) {
        o += idx[j] * strides[k][j];
      }
      off[k] = o;
    }
    long len = innerLength();
    // Poll for a notebook interrupt about every 64K elements, so even one long op stops promptly.
    long rowsPerPoll = Math.max(1, PARALLEL_THRESHOLD / Math.max(1, len));
    for (long r = from; r < to; r++) {
      if ((r - from) % rowsPerPoll == rowsPerPoll - 1) {
        Parallel.checkInterrupt("tensor op");
      }
      run.apply(off, len);
      // Advance the odometer and the offsets with it.
      for (int j = outerRank - 1; j >= 0; j--) {
        if (++idx[j] < dims[j]) {
          for (int k = 0; k < ops; k++) {
            off[k] += strides[k][j];
          }
          break;
        }
        idx[j] = 0;
        for (int k = 0; k < ops; k++) {
          off[k] -= (dims[j] - 1) * strides[k][j];
        }
      }
    }
  }
}
