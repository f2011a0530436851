package dev.quiver.runtime.backend.cuda;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every op test of {@link CudaBackendTest}, with the backend's real kernels (the .cu sources as
 * NVRTC gets them) compiled for the CPU and run by an emulated driver: checks the kernels' logic
 * and the host side's planning (layouts, reduction strategies, argument packing) against the CPU
 * backend on machines without a GPU. The fused-program test runs the generated kernel of its one
 * program, built in ahead (the emulation has no run-time compiler). What it cannot check: the GPU's
 * memory model and timing, the real driver, cuBLAS (its GEMMs are the stand-in's naive ones) and
 * NVRTC itself.
 */
class EmulatedCudaBackendTest extends CudaBackendTest {
  @TempDir static Path tmp;

  private static CudaBackend emulated;

  @BeforeAll
  static void build() throws Exception {
    emulated = FakeCuda.build(tmp, true).backend();
  }

  @Override
  protected CudaBackend backend() {
    return emulated;
  }

  @Override
  protected long[] reductionShape() {
    // Each block reduction is 256 fibers switching at every barrier: keep the block path's work
    // small.
    return new long[] {6, 5, 40};
  }

  /**
   * Not a test here: the emulator runs each launch with process-wide state (block and thread
   * indices, fibers).
   */
  @Override
  void opsFromSeveralThreadsAtOnce() {}

  /** Not a test here: the emulated backend is not the registered cuda:0. */
  @Override
  void backendIsRegisteredForItsDevice() {}
}
