package dev.quiver.runtime.backend.cuda;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CudaMemoryTest} on the emulated driver (see {@link EmulatedCudaBackendTest}): scopes and
 * the garbage collector give device blocks back, the cache stops the driver calls, and running out
 * of (the stand-in's 64 MiB of) device memory is a clear exception.
 */
class EmulatedCudaMemoryTest extends CudaMemoryTest {
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

  /** Each emulated block reduction costs about a millisecond: fewer steps, the same check. */
  @Override
  protected int steps() {
    return 2_000;
  }
}
