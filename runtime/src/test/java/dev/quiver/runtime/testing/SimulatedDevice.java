package dev.quiver.runtime.testing;

import dev.quiver.runtime.Device;
import dev.quiver.runtime.backend.Backends;

/**
 * The simulated device of the tests: {@link SimulatedBackend} registered under a CUDA device number
 * no machine has, so no production code needs a device kind that exists only for tests. Run a test
 * suite on it with {@code -Dquiver.device=cuda:99}: the JUnit extension {@link
 * SimulatedDeviceExtension} registers it before the first test.
 */
public final class SimulatedDevice {
  /** The device the simulated backend answers for. */
  public static final Device DEVICE = Device.cuda(99);

  private static SimulatedBackend backend;

  private SimulatedDevice() {}

  /** Registers the simulated backend (once) and returns it. */
  public static synchronized SimulatedBackend install() {
    if (backend == null) {
      backend = new SimulatedBackend(DEVICE);
    }
    Backends.register(backend);
    return backend;
  }
}
