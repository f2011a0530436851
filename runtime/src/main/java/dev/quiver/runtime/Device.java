package dev.quiver.runtime;

import dev.quiver.runtime.backend.Backends;
import dev.quiver.runtime.backend.cuda.Cuda;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Where a tensor's memory lives and which backend computes on it.
 *
 * <pre>{@code
 * Device.setDefault(Device.best());          // cuda:0 when a GPU is usable, else the CPU (with a note)
 * var w = Tensor.randn(784, 10);             // made on the default device
 * var x = Tensor.of(pixels, 1, 784).to(w.device());
 * }</pre>
 *
 * <p>Factories ({@link Tensor#zeros}, {@link Tensor#of}, {@link Tensor#randn}, ...) create on the
 * {@linkplain #getDefault() default device}; ops put their results on their operands' device.
 *
 * @param kind  the backend family
 * @param index the device number within that family (0 for the CPU)
 */
public record Device(Kind kind, int index) {
  public enum Kind { CPU, CUDA }

  public static final Device CPU = new Device(Kind.CPU, 0);

  /**
   * Read on every factory call: one static field, never a map, so the CPU path stays as fast as
   * before. Null until first asked, so a bad {@code quiver.device} fails the call that uses it with
   * a clear message instead of breaking this class's initialisation.
   */
  private static volatile Device defaultDevice;

  private static final AtomicBoolean CPU_FALLBACK_NOTED = new AtomicBoolean();

  public Device {
    if (kind == null) {
      throw new IllegalArgumentException("Device: kind is null");
    }
    if (index < 0 || (kind == Kind.CPU && index != 0)) {
      throw new IllegalArgumentException("Device: no device " + kind.name().toLowerCase(Locale.ROOT) + ":" + index
          + (index < 0 ? " (the index is negative)" : " (there is one CPU device, cpu)"));
    }
  }

  public static Device cuda(int index) {
    return new Device(Kind.CUDA, index);
  }

  /** The first CUDA device, cuda:0. */
  public static Device cuda() {
    return cuda(0);
  }

  /**
   * A device from its name as {@link #toString()} writes it: {@code "cpu"}, {@code "cuda"} (the
   * first GPU) or {@code "cuda:1"}; case and surrounding spaces are ignored.
   */
  public static Device parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("Device.parse: no text (null); expected cpu, cuda or cuda:N");
    }
    String t = text.strip().toLowerCase(Locale.ROOT);
    if (t.equals("cpu")) {
      return CPU;
    }
    if (t.equals("cuda")) {
      return cuda(0);
    }
    if (t.startsWith("cuda:")) {
      String number = t.substring("cuda:".length());
      if (!number.isEmpty() && number.chars().allMatch(c -> c >= '0' && c <= '9') && number.length() <= 9) {
        return cuda(Integer.parseInt(number));
      }
    }
    throw new IllegalArgumentException("Device.parse: '" + text + "' is not a device; expected cpu, cuda or cuda:N "
        + "(N = 0, 1, ...)");
  }

  /**
   * The fastest device this machine has: cuda:0 when CUDA is usable, else the CPU, after saying
   * once per JVM on standard error why there is no GPU.
   */
  public static Device best() {
    Optional<String> reason = Cuda.unavailableReason();
    if (reason.isEmpty()) {
      return cuda(0);
    }
    if (CPU_FALLBACK_NOTED.compareAndSet(false, true)) {
      System.err.println("Quiver: no CUDA device (" + reason.get() + "); using the CPU");
    }
    return CPU;
  }

  /** The device factories create tensors on: initially {@code -Dquiver.device}, else {@code QUIVER_DEVICE}, else the CPU. */
  public static Device getDefault() {
    Device d = defaultDevice;
    return d != null ? d : initialDefault();
  }

  /**
   * Sets the device factories create tensors on (for every thread); tensors already made stay
   * where they are. Fails, naming the reason, when no backend can serve the device (e.g. CUDA on
   * a machine without a GPU).
   */
  public static void setDefault(Device device) {
    if (device == null) {
      throw new IllegalArgumentException("Device.setDefault: device is null; use Device.CPU for the CPU");
    }
    Backends.of(device);
    defaultDevice = device;
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
    return CPU;
  }

  private static Device named(String text, String source) {
    try {
      return parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + " is '" + text + "', which is not a device; expected cpu, cuda "
          + "or cuda:N", e);
    }
  }

  public boolean isCpu() {
    return kind == Kind.CPU;
  }

  @Override
  public String toString() {
    return kind == Kind.CPU ? "cpu" : "cuda:" + index;
  }
}
