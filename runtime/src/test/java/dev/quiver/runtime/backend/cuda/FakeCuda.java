package dev.quiver.runtime.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.backend.cuda.ffi.Cublas;
import dev.quiver.runtime.backend.cuda.ffi.Driver;
import dev.quiver.runtime.backend.cuda.ffi.LibraryFinder;
import dev.quiver.runtime.backend.cuda.ffi.Nvrtc;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Builds the stand-in CUDA libraries of the tests (fake_cuda.c; with {@code emulate}, also the
 * kernel sources compiled for the CPU through emulate_cuda.h) and a backend on them.
 */
record FakeCuda(SymbolLookup lookup, CudaBackend backend, Nvrtc nvrtc, PtxCache ptx) {
  static FakeCuda build(Path dir, boolean emulate) throws IOException, InterruptedException {
    Path header =
        Path.of(System.getenv().getOrDefault("CUDA_HOME", "/usr/local/cuda"), "include", "cuda.h");
    Path compiler = Path.of(emulate ? "/usr/bin/c++" : "/usr/bin/cc");
    Assumptions.assumeTrue(
        Files.isExecutable(compiler), "no " + compiler + " to build the stand-in CUDA library");
    Assumptions.assumeTrue(
        Files.isRegularFile(header),
        "no " + header + " to build the stand-in CUDA library against");
    Path src;
    if (emulate) {
      // One C++ translation unit: the fake driver (whose launches run kernels), the emulation
      // layer, the kernel sources exactly as NVRTC gets them (prelude once), the kernel table.
      StringBuilder s =
          new StringBuilder("#define QV_EMULATE 1\n")
              .append(testResource("fake_cuda.c"))
              .append(testResource("emulate_cuda.h"));
      s.append(KernelSources.prelude());
      for (String module : KernelSources.MODULES) {
        s.append(KernelSources.body(module)).append('\n');
      }
      // The fused program of the tests, generated as the backend generates it; the emulated NVRTC
      // cannot compile at run time, so its host version is built in here under the same name.
      s.append(FusedSource.source(CudaKernelSourcesPtxTest.adamLikeProgram()));
      s.append("#define QV_EXTRA_KERNELS QV_K(" + FusedSource.KERNEL + ", false)\n");
      s.append(testResource("emulate_registry.inc"));
      src = dir.resolve("emulated_cuda.cpp");
      Files.writeString(src, s, StandardCharsets.UTF_8);
    } else {
      src = dir.resolve("fake_cuda.c");
      Files.writeString(src, testResource("fake_cuda.c"), StandardCharsets.UTF_8);
    }
    Path lib = dir.resolve(emulate ? "libemulatedcuda.so" : "libfakecuda.so");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                compiler.toString(),
                "-shared",
                "-fPIC",
                "-O1",
                "-I" + header.getParent(),
                "-o",
                lib.toString(),
                src.toString()));
    cmd.addAll(emulate ? List.of("-std=c++17", "-w") : List.of("-Wall", "-Werror"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), "compiling " + src + " timed out");
    assertEquals(0, p.exitValue(), "building the stand-in library failed:\n" + log);
    SymbolLookup lookup = SymbolLookup.libraryLookup(lib, Arena.global());
    var loaded = new LibraryFinder.Loaded(lookup, lib.toString());
    Driver driver = new Driver(loaded);
    assertEquals(0, driver.init());
    Nvrtc nvrtc = new Nvrtc(loaded);
    PtxCache ptx = new PtxCache(nvrtc, dir.resolve("ptx-cache"));
    return new FakeCuda(
        lookup, new CudaBackend(new CudaDevice(0, driver, new Cublas(loaded), ptx)), nvrtc, ptx);
  }

  private static String testResource(String name) throws IOException {
    try (InputStream in = FakeCuda.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8) + "\n";
    }
  }
}
