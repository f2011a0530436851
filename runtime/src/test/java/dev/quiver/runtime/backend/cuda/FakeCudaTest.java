package dev.quiver.runtime.backend.cuda;

import static dev.quiver.runtime.backend.cuda.CudaTestSupport.assertClose;
import static dev.quiver.runtime.backend.cuda.CudaTestSupport.cpu;
import static dev.quiver.runtime.backend.cuda.CudaTestSupport.hostEmpty;
import static dev.quiver.runtime.backend.cuda.CudaTestSupport.hostRandom;
import static dev.quiver.runtime.backend.cuda.CudaTestSupport.view;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.backend.ElementwiseProgram;
import dev.quiver.runtime.backend.View;
import dev.quiver.runtime.backend.cuda.ffi.CudaException;
import dev.quiver.runtime.backend.cuda.ffi.LibraryFinder;
import dev.quiver.runtime.backend.cuda.ffi.Nvrtc;
import dev.quiver.runtime.math.ElementwiseMath.BinaryOp;
import dev.quiver.runtime.math.ElementwiseMath.UnaryOp;
import dev.quiver.runtime.memory.MemoryScope;
import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bindings and the backend's host side against a stand-in for the CUDA libraries (fake_cuda.c,
 * compiled here with cc against the real cuda.h): exported names and argument types of every call,
 * transfers through the pinned staging, the caching allocator, out of memory, asynchronous errors,
 * kernel argument packing, NVRTC's PTX cache, and the cuBLAS row-major trick (the fake's GEMMs
 * compute for real). Needs cc and cuda.h, no GPU.
 */
class FakeCudaTest {
  @TempDir static Path tmp;

  private static SymbolLookup fake;
  private static CudaBackend g;
  private static PtxCache ptx;
  private static Nvrtc nvrtc;

  @BeforeAll
  static void buildFake() throws Exception {
    FakeCuda f = FakeCuda.build(tmp, false);
    fake = f.lookup();
    nvrtc = f.nvrtc();
    ptx = f.ptx();
    g = f.backend();
  }

  private static long call(String name) {
    try {
      MethodHandle h =
          Linker.nativeLinker()
              .downcallHandle(
                  fake.find(name).orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_LONG));
      return (long) h.invokeExact();
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  private static long lastParam(int i) {
    try {
      MethodHandle h =
          Linker.nativeLinker()
              .downcallHandle(
                  fake.find("fake_last_param").orElseThrow(),
                  FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
      return (long) h.invokeExact(i);
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  private static void setSyncError(int code) {
    set("fake_set_sync_error", code);
  }

  private static void set(String function, int value) {
    try {
      MethodHandle h =
          Linker.nativeLinker()
              .downcallHandle(
                  fake.find(function).orElseThrow(),
                  FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
      h.invokeExact(value);
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  @Test
  void probeGivesAReasonForEachWayCudaCanBeMissing() {
    var lib = LibraryFinder.Result.found(new LibraryFinder.Loaded(fake, "/opt/fake/libcuda.so.1"));
    var missing =
        LibraryFinder.Result.missing("libx.so.12 not found by the dynamic loader nor in 0 folders");
    try {
      assertEquals(
          null, Cuda.reasonWith(() -> lib, () -> lib, () -> lib), "everything there: usable");

      set("fake_set_init_result", 34);
      assertEquals(
          "/opt/fake/libcuda.so.1 is the CUDA toolkit's stub library, not a driver: install the NVIDIA driver",
          Cuda.reasonWith(() -> lib, () -> lib, () -> lib));
      set("fake_set_init_result", 100);
      assertEquals(
          "cuInit failed with CUDA_ERROR_NO_DEVICE (100) using /opt/fake/libcuda.so.1: no usable NVIDIA GPU "
              + "or driver",
          Cuda.reasonWith(() -> lib, () -> lib, () -> lib));
      set("fake_set_init_result", 0);

      set("fake_set_device_count", 0);
      assertTrue(
          Cuda.reasonWith(() -> lib, () -> lib, () -> lib).contains("reports no CUDA device"));
      set("fake_set_device_count", 1);

      assertEquals(
          "no NVIDIA driver: " + missing.reason(),
          Cuda.reasonWith(() -> missing, () -> lib, () -> lib));
      String forDriver = " (the driver supports CUDA 13.0; newer releases were not tried)";
      assertEquals(
          "cuBLAS not found: " + missing.reason() + forDriver,
          Cuda.reasonWith(() -> lib, () -> missing, () -> lib));
      assertEquals(
          "NVRTC not found: " + missing.reason() + forDriver,
          Cuda.reasonWith(() -> lib, () -> lib, () -> missing));
    } finally {
      set("fake_set_init_result", 0);
      set("fake_set_device_count", 1);
    }
  }

  private static View deviceEmpty(DType t, long... shape) {
    return CudaTestSupport.gpuEmpty(g, t, shape);
  }

  @Test
  void describesTheDeviceFromTheDriver() {
    assertEquals(
        "cuda:0 Fake GPU (compute capability 8.6, 4 multiprocessors; kernels built for compute_80 by NVRTC 12.4)",
        g.describe(),
        "name, attributes, and the newest NVRTC architecture not above the device's");
  }

  @Test
  void transfersRoundTripDirectAndThroughThePinnedStaging() {
    // Below the staging threshold, one chunk above it, and several 4 MiB chunks with a tail.
    for (long n : new long[] {1, 1000, 300_000, 2_500_001}) {
      View h = hostRandom(DType.FLOAT32, n, -1, 1, n);
      View d = g.fromHost(h);
      assertClose(h, g.toHost(d), 0, "round trip of " + n + " floats");
    }
    // A small tensor made as user code makes it: on the Java heap in the heap-memory test pass,
    // whose bytes the driver cannot be given directly.
    for (long n : new long[] {1, 1000}) {
      View h = Tensor.full(Device.CPU, 0.25 * n, DType.FLOAT32, n).view();
      assertClose(h, g.toHost(g.fromHost(h)), 0, "round trip of a user's tensor of " + n);
    }
    View strided =
        view(hostRandom(DType.FLOAT64, 7, -1, 1, 20), new long[] {4, 5}, new long[] {1, 4}, 0);
    assertClose(strided, g.toHost(g.fromHost(strided)), 0, "a strided host view goes up dense");
  }

  @Test
  void getSetAndDenseCopy() {
    View h = hostRandom(DType.INT32, 3, -100, 100, 10);
    View d = g.fromHost(h);
    assertEquals(cpu().get(h, 9), g.get(d, 9));
    g.set(d, 3, 77);
    assertEquals(77.0, g.get(d, 3));
    View c = deviceEmpty(DType.INT32, 10);
    g.copy(d, c); // same type, dense: a device-to-device copy, no kernel
    assertEquals(77.0, g.get(c, 3));
    View view = view(d, new long[] {2, 3}, new long[] {3, 1}, 2);
    assertEquals(77.0, g.get(view, 1), "get honours the view's offset and strides");
  }

  @Test
  void freedBlocksAreReusedWithoutCallingTheDriver() {
    long before = g.bytesInUse();
    try (MemoryScope s = MemoryScope.open()) {
      g.allocate(10_000, s);
    }
    long calls = call("fake_alloc_calls");
    for (int i = 0; i < 1000; i++) {
      try (MemoryScope s = MemoryScope.open()) {
        g.allocate(10_000, s);
        g.allocate(9_000, s); // the same size class as 10 000: one more block, once
      }
    }
    assertTrue(
        call("fake_alloc_calls") <= calls + 1,
        "cuMemAlloc calls after warm-up: " + (call("fake_alloc_calls") - calls));
    assertEquals(before, g.bytesInUse());
    long frees = call("fake_free_calls");
    g.emptyCache();
    assertEquals(0, g.bytesCached());
    assertTrue(call("fake_free_calls") > frees, "emptyCache gives the blocks back to the driver");
  }

  @Test
  void outOfMemoryEmptiesTheCacheThenFailsClearly() {
    g.collect(); // earlier tests' GC-managed tensors: freed now, not in the middle of the
    // counting below
    g.emptyCache();
    long used = call("fake_device_used");
    // 40 MiB cached, then 48 MiB wanted on a 64 MiB device: only fits once the cache is emptied.
    try (MemoryScope s = MemoryScope.open()) {
      g.allocate(40L << 20, s);
    }
    assertTrue(g.bytesCached() >= 40L << 20);
    long frees = call("fake_free_calls");
    try (MemoryScope s = MemoryScope.open()) {
      g.allocate(48L << 20, s);
      assertEquals(
          frees + 1,
          call("fake_free_calls"),
          "the cached 40 MiB block went back to the driver to make room");
      assertEquals(0, g.bytesCached());
    }
    assertEquals(
        CudaAllocator.sizeClass(48L << 20), g.bytesCached(), "and the 48 MiB block is cached now");
    CudaOutOfMemoryException e =
        assertThrows(CudaOutOfMemoryException.class, () -> g.allocate(100L << 20, null));
    assertTrue(
        e.getMessage().contains("cuda:0 is out of memory")
            && e.getMessage().contains("104857600 bytes")
            && e.getMessage().contains("free of 64.0 MiB"),
        e.getMessage());
    g.emptyCache();
    assertEquals(used, call("fake_device_used"));
  }

  @Test
  void matmulGivesCachedMemoryBackWhenCublasCannotAllocateItsWorkspace() {
    View a = g.fromHost(hostRandom(DType.FLOAT32, 24, -1, 1, 3, 4));
    View b = g.fromHost(hostRandom(DType.FLOAT32, 25, -1, 1, 4, 2));
    View y = deviceEmpty(DType.FLOAT32, 3, 2);
    g.collect();
    g.emptyCache();
    long free = (64L << 20) - call("fake_device_used");
    try (MemoryScope s = MemoryScope.open()) {
      g.allocate(free - (2L << 20), s); // nearly everything, then into the cache
    }
    assertTrue(g.bytesCached() > free - (4L << 20), "the device's memory sits in the cache");
    g.matmul(a, b, y);
    View expected = hostEmpty(DType.FLOAT32, 3, 2);
    cpu().matmul(g.toHost(a), g.toHost(b), expected);
    assertClose(expected, g.toHost(y), 1e-6, "matmul after giving the cache back");
    assertEquals(0, g.bytesCached());
  }

  @Test
  void loadingAModuleGivesCachedMemoryBackWhenTheDeviceIsFull() {
    // A program shape no other test compiled (three constants): its module loads now.
    ElementwiseProgram adam = CudaKernelSourcesPtxTest.adamLikeProgram();
    ElementwiseProgram fresh =
        new ElementwiseProgram(
            adam.kind(),
            adam.op(),
            adam.dst(),
            adam.a(),
            adam.b(),
            new float[] {0.001f, 1e-8f, 0f},
            adam.registers(),
            adam.inputs());
    View[] in = {
      deviceEmpty(DType.FLOAT32, 8), deviceEmpty(DType.FLOAT32, 8), deviceEmpty(DType.FLOAT32, 8)
    };
    View out = deviceEmpty(DType.FLOAT32, 8);
    g.collect();
    g.emptyCache();
    try (MemoryScope s = MemoryScope.open()) {
      g.allocate(62L << 20, s); // with the few tensors above, leaves under 2 MiB ...
      g.allocate(7L << 18, s); // ... and then under 1 MiB, all of it cached after the scope
    }
    assertTrue(
        (64L << 20) - call("fake_device_used") < (1L << 20), "the device is full of cached blocks");
    long launches = call("fake_launches");
    assertTrue(g.fused(fresh, in, out));
    assertEquals(
        launches + 1, call("fake_launches"), "loaded after giving the cache back, and launched");
    assertEquals(0, g.bytesCached());
  }

  @Test
  void asynchronousErrorsSurfaceAtTheNextReadWithTheDriversName() {
    View d = g.fromHost(hostRandom(DType.FLOAT32, 4, 0, 1, 8));
    setSyncError(700);
    CudaException e = assertThrows(CudaException.class, () -> g.toHost(d));
    assertTrue(
        e.getMessage().contains("CUDA_ERROR_ILLEGAL_ADDRESS")
            && e.getMessage().contains("QUIVER_CUDA_SYNC=1"),
        e.getMessage());
    assertEquals(8, g.toHost(d).numel(), "reported once; the next read works");
  }

  /**
   * The driver's current context belongs to the OS thread: every path must make it current on the
   * thread that calls (the fake fails such calls with CUDA_ERROR_INVALID_CONTEXT, as the driver
   * does). Each step runs on a thread that has never touched the device.
   */
  @Test
  void everyPathMakesTheContextCurrentOnTheCallingThread() throws Exception {
    View big = hostRandom(DType.FLOAT32, 21, -1, 1, 600_000); // above the staging threshold
    View small = hostRandom(DType.FLOAT64, 22, -1, 1, 3, 4);
    View[] d = new View[2];
    long errors = call("fake_context_errors");
    onFreshThread(() -> d[0] = g.fromHost(big));
    onFreshThread(() -> d[1] = g.fromHost(small));
    onFreshThread(() -> assertClose(big, g.toHost(d[0]), 0, "staged read on a fresh thread"));
    onFreshThread(() -> assertEquals(cpu().get(small, 5), g.get(d[1], 5)));
    onFreshThread(() -> g.set(d[1], 5, 0.25));
    onFreshThread(() -> g.copy(d[1], deviceEmpty(DType.FLOAT64, 3, 4)));
    onFreshThread(() -> g.unary(UnaryOp.NEG, d[1], deviceEmpty(DType.FLOAT64, 3, 4)));
    onFreshThread(
        () ->
            g.matmul(
                d[1],
                view(d[1], new long[] {4, 3}, new long[] {1, 4}, 0),
                deviceEmpty(DType.FLOAT64, 3, 3)));
    onFreshThread(g::synchronize);
    onFreshThread(
        () -> {
          try (MemoryScope s = MemoryScope.open()) {
            g.allocate(3 << 20, s);
          }
          g.emptyCache();
        });
    assertEquals(
        errors, call("fake_context_errors"), "driver or cuBLAS calls without the context current");
  }

  /**
   * A virtual thread resumes on whichever carrier is free, and the context is the carrier's: a
   * per-thread "already current" flag on the virtual thread would skip cuCtxSetCurrent there.
   */
  @Test
  void virtualThreadsSetTheContextOnTheirCurrentCarrier() throws Exception {
    View h = hostRandom(DType.FLOAT32, 23, -1, 1, 16);
    Throwable[] failure = new Throwable[1];
    Thread t =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    View d = g.fromHost(h);
                    set(
                        "fake_clear_current_context_int",
                        0); // as if resumed on a carrier without the context
                    assertClose(h, g.toHost(d), 0, "read after moving to another carrier");
                  } catch (Throwable e) {
                    failure[0] = e;
                  }
                });
    t.join();
    if (failure[0] != null) {
      throw new AssertionError("on a virtual thread: " + failure[0], failure[0]);
    }
  }

  private static void onFreshThread(Runnable step) throws InterruptedException {
    Throwable[] failure = new Throwable[1];
    Thread t =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    step.run();
                  } catch (Throwable e) {
                    failure[0] = e;
                  }
                });
    t.join();
    if (failure[0] != null) {
      throw new AssertionError("on a fresh thread: " + failure[0], failure[0]);
    }
  }

  @Test
  void kernelArgumentsArePackedAsTheKernelsDeclareThem() {
    View d = deviceEmpty(DType.FLOAT32, 3, 4);
    long launches = call("fake_launches");
    g.fill(d, 2.5);
    assertEquals(launches + 1, call("fake_launches"));
    long y = ((CudaStorage) d.storage()).pointer();
    assertEquals(y, lastParam(0), "fill_f32(y, ...): the device pointer");
    assertEquals(1, (int) lastParam(1), "Layout<1>: a dense [3, 4] collapses to rank 1");
    assertEquals(12, lastParam(2), "n");
    assertEquals(2.5, Double.longBitsToDouble(lastParam(3)), "the value as a double");

    View a = deviceEmpty(DType.FLOAT64, 5);
    View sliced = view(a, new long[] {2}, new long[] {2}, 1);
    g.binary(BinaryOp.GE, sliced, sliced, view(a, new long[] {2}, new long[] {1}, 3));
    assertEquals(BinaryOp.GE.ordinal(), (int) lastParam(0), "the op code is the ordinal");
    long base = ((CudaStorage) a.storage()).pointer();
    assertEquals(base + 8, lastParam(1), "the view's offset is added on the host, in bytes");
    assertEquals(base + 24, lastParam(3));
  }

  @Test
  void matmulGoesToCublasRowMajorWithoutCopies() {
    for (DType t : List.of(DType.FLOAT32, DType.FLOAT64)) {
      double tol = t == DType.FLOAT32 ? 1e-5 : 1e-12;
      for (long[] mkn : new long[][] {{1, 1, 1}, {1, 7, 5}, {6, 7, 1}, {9, 13, 11}}) {
        long m = mkn[0];
        long k = mkn[1];
        long n = mkn[2];
        View a = hostRandom(t, 10, -1, 1, m, k);
        View b = hostRandom(t, 11, -1, 1, k, n);
        View hy = hostEmpty(t, m, n);
        cpu().matmul(a, b, hy);
        View gy = deviceEmpty(t, m, n);
        long launches = call("fake_launches");
        g.matmul(g.fromHost(a), g.fromHost(b), gy);
        assertEquals(launches, call("fake_launches"), "no copy kernels for dense operands");
        assertClose(hy, g.toHost(gy), tol, "dense " + m + "x" + k + "x" + n + " " + t);

        // Transposed views of both operands: op T with the right leading dimensions, still no copy.
        View at = hostRandom(t, 12, -1, 1, k, m);
        View bt = hostRandom(t, 13, -1, 1, n, k);
        View atv = view(at, new long[] {m, k}, new long[] {1, m}, 0);
        View btv = view(bt, new long[] {k, n}, new long[] {1, k}, 0);
        cpu().matmul(atv, btv, hy);
        g.matmul(
            view(g.fromHost(at), new long[] {m, k}, new long[] {1, m}, 0),
            view(g.fromHost(bt), new long[] {k, n}, new long[] {1, k}, 0),
            gy);
        assertEquals(launches, call("fake_launches"), "no copy kernels for transposed operands");
        assertClose(hy, g.toHost(gy), tol, "transposed " + m + "x" + k + "x" + n + " " + t);
      }
      // Batched with a broadcast right operand (batch stride 0) and a padded left one (ld > k).
      long m = 4;
      long k = 6;
      long n = 3;
      View base = hostRandom(t, 14, -1, 1, 2 * 3 * m * 8);
      long[] aShape = {2, 3, m, k};
      long[] aStrides = {3 * m * 8, m * 8, 8, 1};
      View b = hostRandom(t, 15, -1, 1, k, n);
      long[] bShape = {2, 3, k, n};
      long[] bStrides = {0, 0, n, 1};
      View hy = hostEmpty(t, 2, 3, m, n);
      cpu().matmul(view(base, aShape, aStrides, 0), view(b, bShape, bStrides, 0), hy);
      View gy = deviceEmpty(t, 2, 3, m, n);
      g.matmul(
          view(g.fromHost(base), aShape, aStrides, 0),
          view(g.fromHost(b), bShape, bStrides, 0),
          gy);
      assertClose(hy, g.toHost(gy), tol, "batched, broadcast, padded " + t);
    }
  }

  @Test
  void ptxIsCompiledOnceCachedOnDiskAndCompileErrorsCarryTheLog() throws IOException {
    long compiles = call("fake_compiles");
    String first = ptx.ptx("reduce", 80);
    assertEquals("// fake ptx\n", first);
    assertEquals(compiles + 1, call("fake_compiles"));
    assertEquals(first, ptx.ptx("reduce", 80));
    assertEquals(compiles + 1, call("fake_compiles"), "the second request comes from memory");
    PtxCache fresh = new PtxCache(nvrtc, tmp.resolve("ptx-cache"));
    assertEquals(first, fresh.ptx("reduce", 80));
    assertEquals(compiles + 1, call("fake_compiles"), "a new session reads it from disk");
    try (var files = Files.list(tmp.resolve("ptx-cache"))) {
      assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("reduce-80-")));
    }
    assertEquals(
        new PtxCache.Target(90, false),
        ptx.target(120),
        "a newer GPU runs the newest PTX NVRTC can make");
    assertEquals(
        new PtxCache.Target(80, false),
        ptx.target(86),
        "PTX of the newest architecture not above the device's");
    assertEquals(
        new PtxCache.Target(90, true),
        ptx.target(90),
        "machine code where NVRTC knows the device's architecture: no driver JIT, which rejects a newer NVRTC's PTX");
    byte[] cubin = ptx.image("reduce", new PtxCache.Target(90, true));
    assertEquals("fake cubin", new String(cubin, 0, cubin.length - 1, StandardCharsets.UTF_8));
    assertTrue(call("fake_last_options_has_sm") == 1, "compiled with --gpu-architecture=sm_90");
    try (var files = Files.list(tmp.resolve("ptx-cache"))) {
      assertTrue(files.anyMatch(f -> f.getFileName().toString().matches("reduce-90-.*\\.cubin")));
    }
    IllegalStateException old = assertThrows(IllegalStateException.class, () -> ptx.target(70));
    assertTrue(
        old.getMessage().contains("7.0") && old.getMessage().contains("[75, 80, 90]"),
        old.getMessage());
    CudaException e =
        assertThrows(CudaException.class, () -> ptx.ptx("broken", "#error broken\n", 80));
    assertTrue(
        e.getMessage().contains("NVRTC_ERROR_COMPILATION")
            && e.getMessage().contains("#error found")
            && e.getMessage().contains("--gpu-architecture=compute_80"),
        e.getMessage());
  }
}
