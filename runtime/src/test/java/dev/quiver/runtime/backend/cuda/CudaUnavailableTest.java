package dev.quiver.runtime.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Without a usable GPU, CUDA says why, never throws from the probe, and refuses backends naming the
 * reason.
 */
class CudaUnavailableTest {
  @Test
  void reasonIsClearAndBackendRefusesWithIt() {
    Optional<String> reason = Cuda.unavailableReason();
    Assumptions.assumeTrue(
        reason.isPresent(), "a CUDA device is usable here; the unavailable path is not reachable");

    String r = reason.get();
    assertTrue(
        r.contains("libcuda")
            || r.contains("cuInit")
            || r.contains("no CUDA device")
            || r.contains("cuBLAS")
            || r.contains("NVRTC")
            || r.contains("QUIVER_CUDA"),
        "the reason names what is missing: " + r);
    assertEquals(0, Cuda.deviceCount());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Cuda.backend(0));
    assertTrue(
        e.getMessage().contains("CUDA device 0 is not usable") && e.getMessage().contains(r),
        e.getMessage());
  }

  @Test
  void probeIsCached() {
    Optional<String> first = Cuda.unavailableReason();
    Optional<String> second = Cuda.unavailableReason();
    assertSame(
        first.orElse(null),
        second.orElse(null),
        "the probe runs once; later calls return the same reason");
  }

  @Test
  void withoutADriverTheReasonSaysWhereItLooked() {
    Assumptions.assumeTrue(
        Cuda.unavailableReason().map(r -> r.startsWith("no NVIDIA driver")).orElse(false),
        "this machine has a CUDA driver library");
    String r = Cuda.unavailableReason().orElseThrow();
    assertTrue(r.contains("libcuda.so.1") && r.contains("/usr/local/cuda/lib64"), r);
  }
}
