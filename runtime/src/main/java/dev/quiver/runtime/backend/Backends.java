package dev.quiver.runtime.backend;

import dev.quiver.runtime.Device;
import dev.quiver.runtime.backend.cpu.CpuBackend;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Finds the backend of a device. Backends other than the CPU register themselves when they load. */
public final class Backends {
  private static final CpuBackend CPU = new CpuBackend();
  private static final Map<Device, Backend> OTHERS = new ConcurrentHashMap<>();

  private Backends() {}

  public static Backend cpu() {
    return CPU;
  }

  public static Backend of(Device device) {
    if (device.kind() == Device.Kind.CPU) {
      return CPU;
    }
    Backend b = OTHERS.get(device);
    if (b == null) {
      throw new IllegalStateException("no backend is loaded for device " + device);
    }
    return b;
  }

  /** Makes a backend available for its device. */
  public static void register(Backend backend) {
    OTHERS.put(backend.device(), backend);
  }
}
