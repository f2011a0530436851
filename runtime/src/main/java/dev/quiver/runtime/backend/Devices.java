package dev.quiver.runtime.backend;

import dev.quiver.runtime.Device;
import dev.quiver.runtime.backend.cuda.Cuda;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Which device to compute on: the fastest one this machine has, and the default device that tensor
 * factories create on. A policy, so it lives beside the backends that decide what is usable; {@link
 * Device} itself is only a name.
 *
 * <pre>{@code
 * Devices.setDefault(Devices.best());   // cuda:0 when a GPU is usable, else the CPU (with a note)
 * var w = Tensor.randn(784, 10);        // made on the default device
 * }</pre>
 */
public final class Devices {
  /**
   * Read on every factory call: one static field, never a map, so the CPU path stays as fast as
   * before. Null until first asked, so a bad {@code quiver.device} fails the call that uses it with
   * a clear message instead of breaking this class's initialisation.
   */
  private static volatile Device defaultDevice;

  private static final AtomicBoolean CPU_FALLBACK_NOTED = new AtomicBoolean();

  private Devices() {}

  /**
   * The fastest device this machine has: cuda:0 when CUDA is usable, else the CPU, after saying
   * once per JVM on standard error why there is no GPU.
   */
  public static Device best() {
    Optional<String> reason = Cuda.unavailableReason();
    if (reason.isEmpty()) {
      return Device.cuda(0);
    }
    if (CPU_FALLBACK_NOTED.compareAndSet(false, true)) {
      System.err.println("Quiver: no CUDA device (" + reason.get() + "); using the CPU");
    }
    return Device.CPU;
  }

  /**
   * The device factories create tensors on: initially {@code -Dquiver.device}, else {@code
   * QUIVER_DEVICE}, else the CPU.
   */
  public static Device getDefault() {
    Device d = defaultDevice;
    return d != null ? d : initialDefault();
  }

  /**
   * Sets the device factories create tensors on (for every thread); tensors already made stay where
   * they are. Fails, naming the reason, when no backend can serve the device (e.g. CUDA on a
   * machine without a GPU).
   */
  public static void setDefault(Device device) {
    if (device == null) {
      throw new IllegalArgumentException(
          "Devices.setDefault: device is null; use Device.CPU for the CPU");
    }
    Backends.of(device);
    defaultDevice = device;
  }

  /**
   * Returns {@code device} when a backend can compute on it; otherwise fails with the reason (no
   * GPU, no driver, ...) as an {@link IllegalStateException}. For checks before long work.
   */
  public static Device require(Device device) {
    if (device == null) {
      throw new IllegalArgumentException(
          "Devices.require: device is null; use Device.CPU for the CPU");
    }
    Backends.of(device);
    return device;
  }

  private static synchronized Device initialDefault() {
    if (defaultDevice == null) {
      Device d = configuredDefault();
      Backends.of(d);
      defaultDevice = d;
    }
    return defaultDevice;
  }

  private static Device configuredDefault() {
    String property = System.getProperty("quiver.device");
    if (property != null && !property.isBlank()) {
      return named(property, "the system property quiver.device");
    }
    String env = System.getenv("QUIVER_DEVICE");
    if (env != null && !env.isBlank()) {
      return named(env, "the environment variable QUIVER_DEVICE");
    }
    return Device.CPU;
  }

  private static Device named(String text, String source) {
    try {
      return Device.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          source + " is '" + text + "', which is not a device; expected cpu, cuda " + "or cuda:N",
          e);
    }
  }
}
