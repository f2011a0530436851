package dev.quiver.runtime.backend.cuda;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CudaConvolutionTest} with conv.cu compiled for the CPU and run by the emulated driver (see
 * {@link EmulatedCudaBackendTest} for what that does and does not check).
 */
class EmulatedCudaConvolutionTest extends CudaConvolutionTest {
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
}
