package dev.quiver.runtime.backend.cuda;

import dev.quiver.runtime.backend.Backend;
import java.util.Optional;

/**
 * Entry point of the CUDA backend: finds the driver, cuBLAS and NVRTC at run time through
 * {@code java.lang.foreign} and hands out one backend per device. Nothing here loads a native
 * library until it is first asked.
 */
public final class Cuda {
  private Cuda() {}

  /** Why CUDA cannot be used on this machine, or empty when at least one device is usable. Never throws; cached. */
  public static Optional<String> unavailableReason() {
    return Optional.of("the CUDA backend is not built yet");
  }

  /** The number of usable CUDA devices (0 when {@link #unavailableReason()} is present). */
  public static int deviceCount() {
    return 0;
  }

  /** The backend of device {@code index}; throws {@link IllegalStateException} naming the reason when it cannot be used. */
  public static Backend backend(int index) {
    throw new IllegalStateException("CUDA device " + index + " is not usable: " + unavailableReason().orElse("unknown"));
  }
}
