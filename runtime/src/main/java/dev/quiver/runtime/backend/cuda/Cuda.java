package dev.quiver.runtime.backend.cuda;

import dev.quiver.runtime.backend.Backend;
import dev.quiver.runtime.backend.cuda.ffi.Cublas;
import dev.quiver.runtime.backend.cuda.ffi.Driver;
import dev.quiver.runtime.backend.cuda.ffi.LibraryFinder;
import dev.quiver.runtime.backend.cuda.ffi.Nvrtc;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Entry point of the CUDA backend: finds the driver, cuBLAS and NVRTC at run time through {@code
 * java.lang.foreign} and hands out one backend per device. Nothing here loads a native library
 * until it is first asked.
 *
 * <p>Set {@code QUIVER_CUDA=0} (or {@code -Dquiver.cuda=false}) to keep the GPU out of the picture.
 */
public final class Cuda {
  private Cuda() {}

  /** The outcome of probing once: the libraries and device count, or why not. */
  private record Probe(Driver driver, Cublas cublas, Nvrtc nvrtc, int devices, String reason) {
    static Probe unavailable(String reason) {
      return new Probe(null, null, null, 0, reason);
    }
  }

  private static volatile Probe probe;
  private static volatile PtxCache ptx;
  private static final CudaBackend[] BACKENDS = new CudaBackend[64];

  private static Probe probe() {
    Probe p = probe;
    if (p == null) {
      synchronized (Cuda.class) {
        p = probe;
        if (p == null) {
          try {
            p = doProbe();
          } catch (Throwable t) {
            p = Probe.unavailable("probing CUDA failed: " + t);
          }
          probe = p;
        }
      }
    }
    return p;
  }

  private static Probe doProbe() {
    if ("0".equals(System.getenv("QUIVER_CUDA"))
        || "false".equals(System.getProperty("quiver.cuda"))) {
      return Probe.unavailable("CUDA is switched off (QUIVER_CUDA=0 or -Dquiver.cuda=false)");
    }
    return probeWith(
        () -> LibraryFinder.load(List.of("libcuda.so.1", "libcuda.so")),
        version ->
            LibraryFinder.load(
                LibraryFinder.usableWith(Cublas.SONAMES, version), Cublas::companion),
        version ->
            LibraryFinder.load(LibraryFinder.usableWith(Nvrtc.SONAMES, version), Nvrtc::companion));
  }

  /**
   * Why CUDA cannot be used with these libraries, or null when it can: the probe, testable with
   * stand-ins.
   */
  static String reasonWith(
      Supplier<LibraryFinder.Result> driver,
      Supplier<LibraryFinder.Result> cublas,
      Supplier<LibraryFinder.Result> nvrtc) {
    return probeWith(driver, version -> cublas.get(), version -> nvrtc.get()).reason();
  }

  /**
   * The library finders for cuBLAS and NVRTC get the driver's CUDA version, to skip newer releases.
   */
  private static Probe probeWith(
      Supplier<LibraryFinder.Result> driverFinder,
      IntFunction<LibraryFinder.Result> cublasFinder,
      IntFunction<LibraryFinder.Result> nvrtcFinder) {
    LibraryFinder.Result driverLib = driverFinder.get();
    if (driverLib.loaded().isEmpty()) {
      return Probe.unavailable("no NVIDIA driver: " + driverLib.reason());
    }
    Driver driver = new Driver(driverLib.loaded().get());
    int rc = driver.init();
    if (rc == Driver.CUDA_ERROR_STUB_LIBRARY) {
      return Probe.unavailable(
          driverLib.loaded().get().where()
              + " is the CUDA toolkit's stub library, not a driver: "
              + "install the NVIDIA driver");
    }
    if (rc != Driver.CUDA_SUCCESS) {
      return Probe.unavailable(
          "cuInit failed with "
              + driver.errorName(rc)
              + " ("
              + rc
              + ") using "
              + driverLib.loaded().get().where()
              + ": no usable NVIDIA GPU or driver");
    }
    int[] count = driver.deviceCount();
    if (count[0] != Driver.CUDA_SUCCESS || count[1] == 0) {
      return Probe.unavailable(
          "the NVIDIA driver ("
              + driverLib.loaded().get().where()
              + ") reports no CUDA device"
              + (count[0] != 0 ? ": " + driver.errorName(count[0]) : ""));
    }
    int version = driver.driverVersion();
    String forDriver =
        version > 0
            ? " (the driver supports CUDA "
                + version / 1000
                + "."
                + version % 1000 / 10
                + "; newer releases were not tried)"
            : "";
    LibraryFinder.Result cublasLib = cublasFinder.apply(version);
    if (cublasLib.loaded().isEmpty()) {
      return Probe.unavailable("cuBLAS not found: " + cublasLib.reason() + forDriver);
    }
    LibraryFinder.Result nvrtcLib = nvrtcFinder.apply(version);
    if (nvrtcLib.loaded().isEmpty()) {
      return Probe.unavailable("NVRTC not found: " + nvrtcLib.reason() + forDriver);
    }
    return new Probe(
        driver,
        new Cublas(cublasLib.loaded().get()),
        new Nvrtc(nvrtcLib.loaded().get()),
        count[1],
        null);
  }

  /**
   * Why CUDA cannot be used on this machine, or empty when at least one device is usable. Never
   * throws; cached.
   */
  public static Optional<String> unavailableReason() {
    return Optional.ofNullable(probe().reason());
  }

  /** The number of usable CUDA devices (0 when {@link #unavailableReason()} is present). */
  public static int deviceCount() {
    Probe p = probe();
    return p.reason() == null ? p.devices() : 0;
  }

  /**
   * The backend of device {@code index}; throws {@link IllegalStateException} naming the reason
   * when it cannot be used.
   */
  public static Backend backend(int index) {
    return cudaBackend(index);
  }

  /** As {@link #backend} with the CUDA-specific extras (memory counters, synchronize). */
  public static CudaBackend cudaBackend(int index) {
    Probe p = probe();
    if (p.reason() != null) {
      throw new IllegalStateException("CUDA device " + index + " is not usable: " + p.reason());
    }
    if (index < 0 || index >= p.devices() || index >= BACKENDS.length) {
      throw new IllegalStateException(
          "CUDA device "
              + index
              + " does not exist: this machine has "
              + p.devices()
              + (p.devices() == 1
                  ? " device (cuda:0)"
                  : " devices (cuda:0 to cuda:" + (p.devices() - 1) + ")"));
    }
    CudaBackend b = BACKENDS[index];
    if (b != null) {
      return b;
    }
    synchronized (Cuda.class) {
      if (BACKENDS[index] == null) {
        try {
          if (ptx == null) {
            ptx = new PtxCache(p.nvrtc());
          }
          CudaBackend created = new CudaBackend(new CudaDevice(index, p.driver(), p.cublas(), ptx));
          BACKENDS[index] = created;
        } catch (RuntimeException e) {
          throw new IllegalStateException(
              "CUDA device " + index + " could not be set up: " + e.getMessage(), e);
        }
      }
      return BACKENDS[index];
    }
  }
}
