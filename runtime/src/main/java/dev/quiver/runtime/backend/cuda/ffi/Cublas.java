package dev.quiver.runtime.backend.cuda.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * Hand-written bindings to cuBLAS: handle, stream, and the four GEMMs the backend uses. cuBLAS is
 * column-major; the row-major trick lives in the backend, these are the plain calls. alpha and beta
 * are passed by host pointer (the default pointer mode).
 */
public final class Cublas {
  public static final int OP_N = 0;
  public static final int OP_T = 1;

  /** The sonames tried, newest first. */
  public static final List<String> SONAMES =
      List.of("libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so");

  /**
   * The library cuBLAS is built on, of the same release: "libcublasLt.so.12" for "libcublas.so.12".
   */
  public static String companion(String soname) {
    return soname.startsWith("libcublas.")
        ? "libcublasLt." + soname.substring("libcublas.".length())
        : null;
  }

  private static final String LIB = "libcublas";

  private final String where;
  private final MethodHandle create;
  private final MethodHandle setStream;
  private final MethodHandle sgemm;
  private final MethodHandle dgemm;
  private final MethodHandle sgemmStridedBatched;
  private final MethodHandle dgemmStridedBatched;
  private final MethodHandle statusName;

  public Cublas(LibraryFinder.Loaded lib) {
    SymbolLookup l = lib.lookup();
    this.where = lib.where();
    create = Native.bind(l, LIB, "cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    setStream =
        Native.bind(
            l, LIB, "cublasSetStream_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    // cublasStatus_t cublasSgemm_v2(handle, transa, transb, m, n, k, const float* alpha, const
    // float* A, lda,
    //                              const float* B, ldb, const float* beta, float* C, ldc)
    FunctionDescriptor gemm =
        FunctionDescriptor.of(
            JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG,
            JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    sgemm = Native.bind(l, LIB, "cublasSgemm_v2", gemm);
    dgemm = Native.bind(l, LIB, "cublasDgemm_v2", gemm);
    // ... StridedBatched adds long long strides after lda, ldb, ldc and the batch count at the end.
    FunctionDescriptor batched =
        FunctionDescriptor.of(
            JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG,
            JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT,
            JAVA_LONG, JAVA_INT);
    sgemmStridedBatched = Native.bind(l, LIB, "cublasSgemmStridedBatched", batched);
    dgemmStridedBatched = Native.bind(l, LIB, "cublasDgemmStridedBatched", batched);
    statusName =
        Native.bindOptional(l, "cublasGetStatusName", FunctionDescriptor.of(ADDRESS, JAVA_INT));
  }

  public String where() {
    return where;
  }

  /** cuBLAS's name for a status (cublasGetStatusName where the library has it). */
  String statusName(int status) {
    if (statusName != null) {
      try {
        String s = Native.string((MemorySegment) statusName.invokeExact(status));
        if (s != null) {
          return s;
        }
      } catch (Throwable ignored) {
        // Fall through to the table.
      }
    }
    return switch (status) {
      case 1 -> "CUBLAS_STATUS_NOT_INITIALIZED";
      case 3 -> "CUBLAS_STATUS_ALLOC_FAILED";
      case 7 -> "CUBLAS_STATUS_INVALID_VALUE";
      case 8 -> "CUBLAS_STATUS_ARCH_MISMATCH";
      case 11 -> "CUBLAS_STATUS_MAPPING_ERROR";
      case 13 -> "CUBLAS_STATUS_EXECUTION_FAILED";
      case 14 -> "CUBLAS_STATUS_INTERNAL_ERROR";
      case 15 -> "CUBLAS_STATUS_NOT_SUPPORTED";
      default -> "cublasStatus_t " + status;
    };
  }

  /** CUBLAS_STATUS_ALLOC_FAILED: cuBLAS could not allocate device memory (its workspace). */
  public static final int STATUS_ALLOC_FAILED = 3;

  /** Whether {@code e} is a cuBLAS call that failed for want of device memory. */
  public static boolean isAllocationFailure(CudaException e) {
    return e.code() == STATUS_ALLOC_FAILED && e.getMessage().startsWith("cublas");
  }

  private void check(int status, String call, String values) {
    if (status != 0) {
      throw new CudaException(call, status, statusName(status), null, values);
    }
  }

  /** A new handle for the current context; its calls go on {@code stream}. */
  public MemorySegment create(MemorySegment stream) {
    MemorySegment s = Native.scratch();
    try {
      check((int) create.invokeExact(s), "cublasCreate_v2", "");
      MemorySegment handle = s.get(ADDRESS, 0);
      check((int) setStream.invokeExact(handle, stream), "cublasSetStream_v2", "");
      return handle;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  private static String dims(int ta, int tb, int m, int n, int k, int lda, int ldb, int ldc) {
    return "transa="
        + ta
        + ", transb="
        + tb
        + ", m="
        + m
        + ", n="
        + n
        + ", k="
        + k
        + ", lda="
        + lda
        + ", ldb="
        + ldb
        + ", ldc="
        + ldc;
  }

  /** C = A·B (alpha 1, beta 0) in float32, column-major, single matrix. */
  public void sgemm(
      MemorySegment handle,
      int ta,
      int tb,
      int m,
      int n,
      int k,
      long a,
      int lda,
      long b,
      int ldb,
      long c,
      int ldc) {
    gemm(sgemm, "cublasSgemm_v2", false, handle, ta, tb, m, n, k, a, lda, b, ldb, c, ldc);
  }

  /** The same in float64. */
  public void dgemm(
      MemorySegment handle,
      int ta,
      int tb,
      int m,
      int n,
      int k,
      long a,
      int lda,
      long b,
      int ldb,
      long c,
      int ldc) {
    gemm(dgemm, "cublasDgemm_v2", true, handle, ta, tb, m, n, k, a, lda, b, ldb, c, ldc);
  }

  /**
   * {@code batches} products with element strides between consecutive A, B and C (0: the same
   * matrix).
   */
  public void sgemmStridedBatched(
      MemorySegment handle,
      int ta,
      int tb,
      int m,
      int n,
      int k,
      long a,
      int lda,
      long strideA,
      long b,
      int ldb,
      long strideB,
      long c,
      int ldc,
      long strideC,
      int batches) {
    var g = new Batched(ta, tb, m, n, k, a, lda, strideA, b, ldb, strideB, c, ldc, strideC);
    gemmStridedBatched(sgemmStridedBatched, "cublasSgemmStridedBatched", false, handle, g, batches);
  }

  /** The same in float64. */
  public void dgemmStridedBatched(
      MemorySegment handle,
      int ta,
      int tb,
      int m,
      int n,
      int k,
      long a,
      int lda,
      long strideA,
      long b,
      int ldb,
      long strideB,
      long c,
      int ldc,
      long strideC,
      int batches) {
    var g = new Batched(ta, tb, m, n, k, a, lda, strideA, b, ldb, strideB, c, ldc, strideC);
    gemmStridedBatched(dgemmStridedBatched, "cublasDgemmStridedBatched", true, handle, g, batches);
  }

  /**
   * alpha = 1 at offset 0 and beta = 0 at offset 8 of the thread's scratch, in the precision of the
   * call: cuBLAS reads them through host pointers.
   */
  private static MemorySegment alphaOneBetaZero(boolean f64) {
    MemorySegment s = Native.scratch();
    if (f64) {
      s.set(JAVA_DOUBLE, 0, 1d);
      s.set(JAVA_DOUBLE, 8, 0d);
    } else {
      s.set(JAVA_FLOAT, 0, 1f);
      s.set(JAVA_FLOAT, 8, 0f);
    }
    return s;
  }

  // The S and D entry points have the same C signature but for the element type behind the
  // pointers, so one invokeExact call shape serves both.
  private void gemm(
      MethodHandle h,
      String call,
      boolean f64,
      MemorySegment handle,
      int ta,
      int tb,
      int m,
      int n,
      int k,
      long a,
      int lda,
      long b,
      int ldb,
      long c,
      int ldc) {
    MemorySegment s = alphaOneBetaZero(f64);
    try {
      check(
          (int) h.invokeExact(handle, ta, tb, m, n, k, s, a, lda, b, ldb, s.asSlice(8), c, ldc),
          call,
          dims(ta, tb, m, n, k, lda, ldb, ldc));
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** The shape and operands of a strided batched product. */
  private record Batched(
      int ta,
      int tb,
      int m,
      int n,
      int k,
      long a,
      int lda,
      long strideA,
      long b,
      int ldb,
      long strideB,
      long c,
      int ldc,
      long strideC) {}

  private void gemmStridedBatched(
      MethodHandle h, String call, boolean f64, MemorySegment handle, Batched g, int batches) {
    MemorySegment s = alphaOneBetaZero(f64);
    try {
      check(
          (int)
              h.invokeExact(
                  handle,
                  g.ta,
                  g.tb,
                  g.m,
                  g.n,
                  g.k,
                  s,
                  g.a,
                  g.lda,
                  g.strideA,
                  g.b,
                  g.ldb,
                  g.strideB,
                  s.asSlice(8),
                  g.c,
                  g.ldc,
                  g.strideC,
                  batches),
          call,
          dims(g.ta, g.tb, g.m, g.n, g.k, g.lda, g.ldb, g.ldc) + ", batches=" + batches);
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }
}
