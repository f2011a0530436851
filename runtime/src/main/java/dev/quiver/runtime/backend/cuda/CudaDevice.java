package dev.quiver.runtime.backend.cuda;

import dev.quiver.runtime.Device;
import dev.quiver.runtime.backend.cuda.ffi.Cublas;
import dev.quiver.runtime.backend.cuda.ffi.CudaException;
import dev.quiver.runtime.backend.cuda.ffi.Driver;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One GPU as the backend uses it: its primary context, one stream on which every op of this device
 * is queued in program order, the caching allocator, the loaded kernel modules and a cuBLAS handle.
 *
 * <p>Why the primary context: it is the one the CUDA runtime uses, so cuBLAS (built on the runtime)
 * and our driver calls share allocations without any context juggling. Why one stream: ops are
 * ordered, so a block freed by one op can be handed to the next without waiting, and a host read
 * only has to wait for this one stream. Notebook cells and worker threads call from various
 * threads, so each call makes the context current on its thread first (a thread-local check, one
 * driver call the first time a thread comes by).
 */
final class CudaDevice implements DeviceStream {
  /**
   * Synchronise after every launch and name the kernel that failed: QUIVER_CUDA_SYNC=1, for
   * debugging.
   */
  static final boolean SYNC_EACH_LAUNCH =
      "1".equals(System.getenv("QUIVER_CUDA_SYNC")) || Boolean.getBoolean("quiver.cuda.sync");

  private static final ThreadLocal<MemorySegment> CURRENT_CONTEXT = new ThreadLocal<>();

  private final int index;
  private final Device device;
  private final Driver driver;
  private final Cublas cublas;
  private final MemorySegment context;
  private final MemorySegment stream;
  private final String name;
  private final int computeCapability;
  private final int multiprocessors;
  private final CudaAllocator allocator;
  private final PtxCache ptx;
  private final PtxCache.Target target;
  private final Map<String, MemorySegment> modules = new ConcurrentHashMap<>();
  private final Map<String, MemorySegment> functions = new ConcurrentHashMap<>();
  private final PinnedStaging staging;
  private final long errorWord;

  /**
   * Index launches asked for (counted before the launch) and known queued (after it), and how many
   * queued ones the last read of the error word covered. A single "pending" flag cleared before
   * that read lost a bad index of a launch another thread queued just after the read.
   */
  private final AtomicLong indexLaunchesAsked = new AtomicLong();

  private final AtomicLong indexLaunchesQueued = new AtomicLong();
  private volatile long indexLaunchesChecked;
  private final Object indexErrorLock = new Object();
  private MemorySegment cublasHandle;

  CudaDevice(int index, Driver driver, Cublas cublas, PtxCache ptx) {
    this.index = index;
    this.device = Device.cuda(index);
    this.driver = driver;
    this.cublas = cublas;
    this.ptx = ptx;
    int dev = driver.device(index);
    this.name = driver.deviceName(dev);
    this.computeCapability =
        10 * driver.attribute(Driver.ATTR_COMPUTE_CAPABILITY_MAJOR, dev)
            + driver.attribute(Driver.ATTR_COMPUTE_CAPABILITY_MINOR, dev);
    this.multiprocessors = driver.attribute(Driver.ATTR_MULTIPROCESSOR_COUNT, dev);
    this.context = driver.primaryContextRetain(dev);
    makeCurrent();
    this.stream = driver.streamCreate(Driver.CU_STREAM_NON_BLOCKING);
    this.allocator = new CudaAllocator(this, driver.totalMemory(dev));
    this.target = ptx.target(computeCapability);
    this.staging = new PinnedStaging(this);
    // Four ints for device-side errors (see qv_report in prelude.cu); never freed, like the
    // context.
    this.errorWord = allocator.allocate(16).pointer();
    driver.memset32(errorWord, 0, 4, stream);
  }

  @Override
  public Device device() {
    return device;
  }

  @Override
  public Driver driver() {
    return driver;
  }

  @Override
  public MemorySegment stream() {
    return stream;
  }

  CudaAllocator allocator() {
    return allocator;
  }

  PinnedStaging staging() {
    return staging;
  }

  String name() {
    return name;
  }

  int computeCapability() {
    return computeCapability;
  }

  int multiprocessors() {
    return multiprocessors;
  }

  /**
   * The error word, for a gather or scatter about to be launched; call {@link #indexLaunchQueued}
   * after.
   */
  long errorWord() {
    indexLaunchesAsked.incrementAndGet();
    return errorWord;
  }

  void indexLaunchQueued() {
    indexLaunchesQueued.incrementAndGet();
  }

  /**
   * Makes this device's context current on the calling thread (cheap when it already is). The
   * driver keeps the current context per OS thread; a virtual thread moves between carrier threads
   * whenever it blocks, so a flag on it says nothing about its present carrier: it sets the context
   * every time (one cheap driver call; no blocking point lies between here and the call that needs
   * it).
   */
  @Override
  public void makeCurrent() {
    if (Thread.currentThread().isVirtual()) {
      driver.setCurrent(context);
    } else if (CURRENT_CONTEXT.get() != context) {
      driver.setCurrent(context);
      CURRENT_CONTEXT.set(context);
    }
  }

  /**
   * Waits for everything queued on this device. A kernel's failure surfaces here, after the op that
   * queued it returned; the message says so, and how to find the op.
   */
  @Override
  public void synchronize(String why) {
    int rc = driver.streamSynchronize(stream);
    checkAsync(rc, "cuStreamSynchronize", why);
  }

  @Override
  public void checkAsync(int rc, String call, String why) {
    if (rc != Driver.CUDA_SUCCESS) {
      throw new CudaException(
          call
              + " ("
              + why
              + ") on "
              + device
              + " failed: "
              + driver.errorName(rc)
              + " ("
              + rc
              + "). A kernel queued earlier failed; the error shows at the next synchronisation. Run with "
              + "QUIVER_CUDA_SYNC=1 to stop at the op that caused it.");
    }
    if (indexLaunchesAsked.get() != indexLaunchesChecked) {
      checkIndexErrors();
    }
  }

  /**
   * Raises a bad gather/scatter index reported by a kernel since the last check (after a
   * synchronisation).
   */
  private void checkIndexErrors() {
    synchronized (indexErrorLock) {
      readIndexErrors();
    }
  }

  private void readIndexErrors() {
    // Launches counted as queued now are queued before the read below, so the read covers them.
    long covered = indexLaunchesQueued.get();
    makeCurrent(); // waiting for the lock may have moved a virtual thread to another carrier
    try (Arena a = Arena.ofConfined()) {
      MemorySegment word = a.allocate(16);
      driver.copyDeviceToHost(word, errorWord, 16, stream);
      int rc = driver.streamSynchronize(stream);
      if (rc != Driver.CUDA_SUCCESS) {
        throw new CudaException(
            "cuStreamSynchronize", rc, driver.errorName(rc), null, "reading the index error word");
      }
      indexLaunchesChecked = Math.max(indexLaunchesChecked, covered);
      int code = word.get(ValueLayout.JAVA_INT, 0);
      if (code != 0) {
        driver.memset32(errorWord, 0, 4, stream);
        throw new IndexOutOfBoundsException(
            (code == 1 ? "gather" : "scatterAdd")
                + ": index "
                + word.get(ValueLayout.JAVA_INT, 4)
                + " is out of range for axis "
                + word.get(ValueLayout.JAVA_INT, 12)
                + " of size "
                + word.get(ValueLayout.JAVA_INT, 8)
                + " (found by the kernel on "
                + device
                + "; reported at the next synchronisation; the elements with bad indices were skipped)");
      }
    }
  }

  /** The kernel {@code name} of {@code module}, compiling and loading the module on first use. */
  MemorySegment function(String module, String name) {
    return function(module, null, name);
  }

  /**
   * As above for a module given by its source (a generated fused kernel; null: the resource of that
   * name). Functions are cached under module and name; {@code source} is asked only on a miss,
   * because building it (the prelude read from the jar, the program printed) on every fused op
   * would cost more than the launch.
   */
  MemorySegment function(String module, Supplier<String> source, String name) {
    String key = source == null ? name : module + "/" + name;
    MemorySegment f = functions.get(key);
    if (f != null) {
      return f;
    }
    synchronized (this) {
      MemorySegment m =
          modules.computeIfAbsent(
              module,
              mod -> {
                byte[] image =
                    source == null ? ptx.image(mod, target) : ptx.image(mod, source.get(), target);
                try (Arena a = Arena.ofConfined()) {
                  // One byte more, left 0: PTX must end in a NUL (an image cached by an older
                  // version may
                  // lack it); a CUBIN carries its own size and ignores it.
                  MemorySegment data = a.allocate(image.length + 1L);
                  MemorySegment.copy(image, 0, data, ValueLayout.JAVA_BYTE, 0, image.length);
                  String what =
                      mod
                          + " ("
                          + target
                          + ", NVRTC "
                          + ptx.nvrtcVersion()
                          + (target.cubin()
                              ? ")"
                              : "; CUDA_ERROR_UNSUPPORTED_PTX_VERSION means the driver is older than NVRTC: "
                                  + "update the driver, or use an NVRTC of the driver's CUDA version)");
                  makeCurrent(); // after compiling, which may block (a virtual thread may have
                  // moved)
                  try {
                    return driver.moduleLoadData(data, what);
                  } catch (CudaException e) {
                    if (e.code() != Driver.CUDA_ERROR_OUT_OF_MEMORY) {
                      throw e;
                    }
                    // Code and constants take device memory, which may all sit in the allocator's
                    // cache.
                    allocator.emptyCache();
                    makeCurrent();
                    return driver.moduleLoadData(data, what);
                  }
                }
              });
      makeCurrent();
      f = driver.moduleFunction(m, name);
      functions.put(key, f);
      return f;
    }
  }

  /** Queues a 1-D launch; {@code block} threads per block. */
  void launch(String module, String kernel, long grid, int block, KernelArgs args) {
    launch(function(module, kernel), kernel, grid, block, args);
  }

  void launch(MemorySegment f, String kernel, long grid, int block, KernelArgs args) {
    makeCurrent();
    int g = (int) Math.max(1, Math.min(grid, Integer.MAX_VALUE));
    int rc = driver.launch(f, g, block, 0, stream, args.pointers());
    if (rc != Driver.CUDA_SUCCESS) {
      driver.check(rc, "cuLaunchKernel", "kernel=" + kernel + ", grid=" + g + ", block=" + block);
    }
    if (SYNC_EACH_LAUNCH) {
      synchronize("after kernel " + kernel);
    }
  }

  /**
   * Blocks for an elementwise launch over n elements: enough to fill the GPU, then grid-stride
   * loops.
   */
  long gridFor(long n, int block) {
    long needed = (n + block - 1) / block;
    return Math.max(1, Math.min(needed, (long) multiprocessors * 32));
  }

  synchronized MemorySegment cublasHandle() {
    if (cublasHandle == null) {
      makeCurrent();
      cublasHandle = cublas.create(stream);
    }
    return cublasHandle;
  }

  Cublas cublas() {
    return cublas;
  }

  String describe() {
    return device
        + " "
        + name
        + " (compute capability "
        + computeCapability / 10
        + "."
        + computeCapability % 10
        + ", "
        + multiprocessors
        + " multiprocessors; kernels built for "
        + target
        + " by NVRTC "
        + ptx.nvrtcVersion()
        + ")";
  }
}
