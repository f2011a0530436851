package dev.quiver.runtime.backend.cuda.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * Hand-written bindings to the parts of the CUDA driver API (libcuda.so.1) the backend uses.
 *
 * <p>Types: CUresult and enums are {@code int}; CUdeviceptr is {@code unsigned long long}, a Java
 * {@code long}; opaque handles (CUcontext, CUstream, CUmodule, CUfunction) are addresses; size_t is
 * a {@code long}. Names are the exported ones: cuda.h #defines {@code cuMemAlloc} to {@code
 * cuMemAlloc_v2} and so on, and the unversioned symbols that remain are the legacy ABI. Every
 * failure becomes a {@link CudaException} naming the call, the error and the arguments.
 */
public final class Driver {
  public static final int CUDA_SUCCESS = 0;
  public static final int CUDA_ERROR_OUT_OF_MEMORY = 2;
  public static final int CUDA_ERROR_NOT_INITIALIZED = 3;
  public static final int CUDA_ERROR_NO_DEVICE = 100;
  public static final int CUDA_ERROR_STUB_LIBRARY = 34;

  public static final int ATTR_MULTIPROCESSOR_COUNT = 16;
  public static final int ATTR_COMPUTE_CAPABILITY_MAJOR = 75;
  public static final int ATTR_COMPUTE_CAPABILITY_MINOR = 76;

  /**
   * cuStreamCreate flag: do not synchronise with the legacy default stream (which cuBLAS never uses
   * here).
   */
  public static final int CU_STREAM_NON_BLOCKING = 1;

  private static final String LIB = "libcuda";

  private final String where;
  private final MethodHandle cuInit;
  private final MethodHandle cuDriverGetVersion;
  private final MethodHandle cuGetErrorName;
  private final MethodHandle cuGetErrorString;
  private final MethodHandle cuDeviceGetCount;
  private final MethodHandle cuDeviceGet;
  private final MethodHandle cuDeviceGetName;
  private final MethodHandle cuDeviceGetAttribute;
  private final MethodHandle cuDeviceTotalMem;
  private final MethodHandle cuDevicePrimaryCtxRetain;
  private final MethodHandle cuCtxSetCurrent;
  private final MethodHandle cuStreamCreate;
  private final MethodHandle cuStreamSynchronize;
  private final MethodHandle cuMemAlloc;
  private final MethodHandle cuMemFree;
  private final MethodHandle cuMemGetInfo;
  private final MethodHandle cuMemHostAlloc;
  private final MethodHandle cuMemFreeHost;
  private final MethodHandle cuMemcpyHtoDAsync;
  private final MethodHandle cuMemcpyDtoHAsync;
  private final MethodHandle cuMemcpyDtoDAsync;
  private final MethodHandle cuMemsetD32Async;
  private final MethodHandle cuModuleLoadData;
  private final MethodHandle cuModuleGetFunction;
  private final MethodHandle cuLaunchKernel;
  private final MethodHandle cuEventCreate;
  private final MethodHandle cuEventRecord;
  private final MethodHandle cuEventSynchronize;

  public Driver(LibraryFinder.Loaded lib) {
    SymbolLookup l = lib.lookup();
    this.where = lib.where();
    FunctionDescriptor iI = FunctionDescriptor.of(JAVA_INT, JAVA_INT);
    FunctionDescriptor iA = FunctionDescriptor.of(JAVA_INT, ADDRESS);
    FunctionDescriptor iAA = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
    cuInit = Native.bind(l, LIB, "cuInit", iI);
    cuDriverGetVersion = Native.bind(l, LIB, "cuDriverGetVersion", iA);
    cuGetErrorName =
        Native.bind(l, LIB, "cuGetErrorName", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    cuGetErrorString =
        Native.bind(l, LIB, "cuGetErrorString", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    cuDeviceGetCount = Native.bind(l, LIB, "cuDeviceGetCount", iA);
    cuDeviceGet =
        Native.bind(l, LIB, "cuDeviceGet", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    cuDeviceGetName =
        Native.bind(
            l,
            LIB,
            "cuDeviceGetName",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    cuDeviceGetAttribute =
        Native.bind(
            l,
            LIB,
            "cuDeviceGetAttribute",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    cuDeviceTotalMem =
        Native.bind(
            l, LIB, "cuDeviceTotalMem_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    cuDevicePrimaryCtxRetain =
        Native.bind(
            l, LIB, "cuDevicePrimaryCtxRetain", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    cuCtxSetCurrent = Native.bind(l, LIB, "cuCtxSetCurrent", iA);
    cuStreamCreate =
        Native.bind(l, LIB, "cuStreamCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    cuStreamSynchronize = Native.bind(l, LIB, "cuStreamSynchronize", iA);
    cuMemAlloc =
        Native.bind(l, LIB, "cuMemAlloc_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    cuMemFree = Native.bind(l, LIB, "cuMemFree_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    cuMemGetInfo = Native.bind(l, LIB, "cuMemGetInfo_v2", iAA);
    cuMemHostAlloc =
        Native.bind(
            l,
            LIB,
            "cuMemHostAlloc",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    cuMemFreeHost = Native.bind(l, LIB, "cuMemFreeHost", iA);
    cuMemcpyHtoDAsync =
        Native.bind(
            l,
            LIB,
            "cuMemcpyHtoDAsync_v2",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS));
    cuMemcpyDtoHAsync =
        Native.bind(
            l,
            LIB,
            "cuMemcpyDtoHAsync_v2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
    cuMemcpyDtoDAsync =
        Native.bind(
            l,
            LIB,
            "cuMemcpyDtoDAsync_v2",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS));
    cuMemsetD32Async =
        Native.bind(
            l,
            LIB,
            "cuMemsetD32Async",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS));
    cuModuleLoadData = Native.bind(l, LIB, "cuModuleLoadData", iAA);
    cuModuleGetFunction =
        Native.bind(
            l,
            LIB,
            "cuModuleGetFunction",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    cuLaunchKernel =
        Native.bind(
            l,
            LIB,
            "cuLaunchKernel",
            FunctionDescriptor.of(
                JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    cuEventCreate =
        Native.bind(l, LIB, "cuEventCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    cuEventRecord = Native.bind(l, LIB, "cuEventRecord", iAA);
    cuEventSynchronize = Native.bind(l, LIB, "cuEventSynchronize", iA);
  }

  /** Where the driver library was found. */
  public String where() {
    return where;
  }

  // ---------------------------------------------------------------- errors

  /** The driver's name for a result code, e.g. CUDA_ERROR_NO_DEVICE. */
  public String errorName(int code) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment p = a.allocate(ADDRESS);
      int rc = (int) cuGetErrorName.invokeExact(code, p);
      return rc == CUDA_SUCCESS ? Native.string(p.get(ADDRESS, 0)) : "CUresult " + code;
    } catch (Throwable t) {
      return "CUresult " + code;
    }
  }

  private String errorString(int code) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment p = a.allocate(ADDRESS);
      int rc = (int) cuGetErrorString.invokeExact(code, p);
      return rc == CUDA_SUCCESS ? Native.string(p.get(ADDRESS, 0)) : null;
    } catch (Throwable t) {
      return null;
    }
  }

  /** Throws a {@link CudaException} unless {@code rc} is CUDA_SUCCESS. */
  public void check(int rc, String call, String values) {
    if (rc != CUDA_SUCCESS) {
      throw new CudaException(call, rc, errorName(rc), errorString(rc), values);
    }
  }

  // ---------------------------------------------------------------- initialisation and devices

  /** cuInit(0): the raw result, because a failure here is a reason to fall back, not an error. */
  public int init() {
    try {
      return (int) cuInit.invokeExact(0);
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  public int driverVersion() {
    MemorySegment s = Native.scratch();
    try {
      check((int) cuDriverGetVersion.invokeExact(s), "cuDriverGetVersion", "");
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
    return s.get(JAVA_INT, 0);
  }

  /** cuDeviceGetCount: the raw result in [0] and the count in [1]. */
  public int[] deviceCount() {
    MemorySegment s = Native.scratch();
    s.set(JAVA_INT, 0, 0);
    try {
      int rc = (int) cuDeviceGetCount.invokeExact(s);
      return new int[] {rc, s.get(JAVA_INT, 0)};
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  public int device(int ordinal) {
    MemorySegment s = Native.scratch();
    try {
      check((int) cuDeviceGet.invokeExact(s, ordinal), "cuDeviceGet", "ordinal=" + ordinal);
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
    return s.get(JAVA_INT, 0);
  }

  public String deviceName(int device) {
    MemorySegment s = Native.scratch();
    try {
      check(
          (int) cuDeviceGetName.invokeExact(s, 256, device), "cuDeviceGetName", "device=" + device);
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
    return s.getString(0);
  }

  public int attribute(int attribute, int device) {
    MemorySegment s = Native.scratch();
    try {
      check(
          (int) cuDeviceGetAttribute.invokeExact(s, attribute, device),
          "cuDeviceGetAttribute",
          "attribute=" + attribute + ", device=" + device);
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
    return s.get(JAVA_INT, 0);
  }

  public long totalMemory(int device) {
    MemorySegment s = Native.scratch();
    try {
      check(
          (int) cuDeviceTotalMem.invokeExact(s, device), "cuDeviceTotalMem_v2", "device=" + device);
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
    return s.get(JAVA_LONG, 0);
  }

  // ---------------------------------------------------------------- contexts and streams

  /** The device's primary context (the one the CUDA runtime, hence cuBLAS, uses too). */
  public MemorySegment primaryContextRetain(int device) {
    MemorySegment s = Native.scratch();
    try {
      check(
          (int) cuDevicePrimaryCtxRetain.invokeExact(s, device),
          "cuDevicePrimaryCtxRetain",
          "device=" + device);
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
    return s.get(ADDRESS, 0);
  }

  public void setCurrent(MemorySegment context) {
    try {
      check(
          (int) cuCtxSetCurrent.invokeExact(context),
          "cuCtxSetCurrent",
          "context=0x" + Long.toHexString(context.address()));
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  public MemorySegment streamCreate(int flags) {
    MemorySegment s = Native.scratch();
    try {
      check((int) cuStreamCreate.invokeExact(s, flags), "cuStreamCreate", "flags=" + flags);
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
    return s.get(ADDRESS, 0);
  }

  /** cuStreamSynchronize; the raw result, because the caller names what was queued before. */
  public int streamSynchronize(MemorySegment stream) {
    try {
      return (int) cuStreamSynchronize.invokeExact(stream);
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  // ---------------------------------------------------------------- memory

  /**
   * cuMemAlloc_v2: the device pointer, or 0 with the raw result in {@code rcOut[0]} when it failed.
   */
  public long memAlloc(long bytes, int[] rcOut) {
    MemorySegment s = Native.scratch();
    try {
      int rc = (int) cuMemAlloc.invokeExact(s, bytes);
      rcOut[0] = rc;
      return rc == CUDA_SUCCESS ? s.get(JAVA_LONG, 0) : 0;
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  public void memFree(long pointer) {
    try {
      check(
          (int) cuMemFree.invokeExact(pointer),
          "cuMemFree_v2",
          "pointer=0x" + Long.toHexString(pointer));
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** {free, total} bytes of the current context's device. */
  public long[] memInfo() {
    MemorySegment s = Native.scratch();
    try {
      check((int) cuMemGetInfo.invokeExact(s, s.asSlice(8)), "cuMemGetInfo_v2", "");
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
    return new long[] {s.get(JAVA_LONG, 0), s.get(JAVA_LONG, 8)};
  }

  /**
   * Page-locked host memory the GPU can DMA from and to (flags 0: portable to this context only).
   */
  public MemorySegment hostAlloc(long bytes) {
    MemorySegment s = Native.scratch();
    try {
      check((int) cuMemHostAlloc.invokeExact(s, bytes, 0), "cuMemHostAlloc", "bytes=" + bytes);
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
    return s.get(ADDRESS, 0).reinterpret(bytes);
  }

  public void hostFree(MemorySegment p) {
    try {
      check((int) cuMemFreeHost.invokeExact(p), "cuMemFreeHost", "");
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  public void copyHostToDevice(long dst, MemorySegment src, long bytes, MemorySegment stream) {
    try {
      check(
          (int) cuMemcpyHtoDAsync.invokeExact(dst, src, bytes, stream),
          "cuMemcpyHtoDAsync_v2",
          "dst=0x" + Long.toHexString(dst) + ", bytes=" + bytes);
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  public void copyDeviceToHost(MemorySegment dst, long src, long bytes, MemorySegment stream) {
    try {
      check(
          (int) cuMemcpyDtoHAsync.invokeExact(dst, src, bytes, stream),
          "cuMemcpyDtoHAsync_v2",
          "src=0x" + Long.toHexString(src) + ", bytes=" + bytes);
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  public void copyDeviceToDevice(long dst, long src, long bytes, MemorySegment stream) {
    try {
      check(
          (int) cuMemcpyDtoDAsync.invokeExact(dst, src, bytes, stream),
          "cuMemcpyDtoDAsync_v2",
          "dst=0x"
              + Long.toHexString(dst)
              + ", src=0x"
              + Long.toHexString(src)
              + ", bytes="
              + bytes);
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  public void memset32(long dst, int value, long count, MemorySegment stream) {
    try {
      check(
          (int) cuMemsetD32Async.invokeExact(dst, value, count, stream),
          "cuMemsetD32Async",
          "dst=0x" + Long.toHexString(dst) + ", count=" + count);
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  // ---------------------------------------------------------------- modules and launches

  /**
   * Loads a NUL-terminated PTX image; the driver JIT-compiles it for the current context's device.
   */
  public MemorySegment moduleLoadData(MemorySegment image, String name) {
    MemorySegment s = Native.scratch();
    try {
      check((int) cuModuleLoadData.invokeExact(s, image), "cuModuleLoadData", "module=" + name);
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
    return s.get(ADDRESS, 0);
  }

  public MemorySegment moduleFunction(MemorySegment module, String name) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      check(
          (int) cuModuleGetFunction.invokeExact(out, module, a.allocateFrom(name)),
          "cuModuleGetFunction",
          "function=" + name);
      return out.get(ADDRESS, 0);
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /**
   * cuLaunchKernel with a 1-D grid; {@code params} is the {@code void*[]} of pointers to each
   * argument.
   */
  public int launch(
      MemorySegment function,
      int gridX,
      int blockX,
      int sharedBytes,
      MemorySegment stream,
      MemorySegment params) {
    try {
      return (int)
          cuLaunchKernel.invokeExact(
              function, gridX, 1, 1, blockX, 1, 1, sharedBytes, stream, params, MemorySegment.NULL);
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  // ---------------------------------------------------------------- events

  /**
   * An event without timing (CU_EVENT_DISABLE_TIMING = 2): the cheapest kind, for ordering only.
   */
  public MemorySegment eventCreate() {
    MemorySegment s = Native.scratch();
    try {
      check((int) cuEventCreate.invokeExact(s, 2), "cuEventCreate", "flags=2");
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
    return s.get(ADDRESS, 0);
  }

  public void eventRecord(MemorySegment event, MemorySegment stream) {
    try {
      check((int) cuEventRecord.invokeExact(event, stream), "cuEventRecord", "");
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** cuEventSynchronize; the raw result, as for {@link #streamSynchronize}. */
  public int eventSynchronize(MemorySegment event) {
    try {
      return (int) cuEventSynchronize.invokeExact(event);
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }
}
