package dev.quiver.runtime.backend;

import dev.quiver.runtime.Device;
import dev.quiver.runtime.backend.cpu.CpuBackend;
import dev.quiver.runtime.backend.cuda.Cuda;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the backend of a device. The CPU's is a constant (no lookup on the hot path); a CUDA
 * device's is loaded on first use; a registered backend wins over the built-in one, which is how
 * tests put a simulated device behind a device name.
 */
public final class Backends {
  private static final CpuBackend CPU = new CpuBackend();
  private static final Map<Device, Backend> OTHERS = new ConcurrentHashMap<>();

  private Backends() {}

  public static Backend cpu() {
    return CPU;
  }

  /**
   * The backend of {@code device}; throws {@link IllegalStateException} naming the reason when none
   * can serve it.
   */
  public static Backend of(Device device) {
    if (device.kind() == Device.Kind.CPU) {
      return CPU;
    }
    Backend b = OTHERS.get(device);
    return b != null ? b : load(device);
  }

  private static Backend load(Device device) {
    return switch (device.kind()) {
      case CPU -> CPU;
      // Cuda.backend is idempotent and makes each device once; putIfAbsent keeps a backend a test
      // registered meanwhile. Not computeIfAbsent: the loader may itself touch this map.
      case CUDA -> {
        Backend loaded = Cuda.backend(device.index());
        Backend raced = OTHERS.putIfAbsent(device, loaded);
        yield raced != null ? raced : loaded;
      }
    };
  }

  /** Makes a backend available for its device, replacing any other backend of that device. */
  public static void register(Backend backend) {
    OTHERS.put(backend.device(), backend);
  }
}
