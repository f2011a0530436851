package dev.quiver.runtime;

import java.util.Locale;

/**
 * Where a tensor's memory lives: a plain value (a name), which knows nothing of the backend that
 * computes there. Choosing one is {@link dev.quiver.runtime.backend.Devices}'s job:
 *
 * <pre>{@code
 * Devices.setDefault(Devices.best());        // cuda:0 when a GPU is usable, else the CPU (with a note)
 * var w = Tensor.randn(784, 10);             // made on the default device
 * var x = Tensor.of(pixels, 1, 784).to(w.device());
 * }</pre>
 *
 * <p>Factories ({@link Tensor#zeros}, {@link Tensor#of}, {@link Tensor#randn}, ...) create on the
 * default device; ops put their results on their operands' device.
 *
 * @param kind the backend family
 * @param index the device number within that family (0 for the CPU)
 */
public record Device(Kind kind, int index) {
  public enum Kind {
    CPU,
    CUDA
  }

  public static final Device CPU = new Device(Kind.CPU, 0);

  public Device {
    if (kind == null) {
      throw new IllegalArgumentException("Device: kind is null");
    }
    if (index < 0 || (kind == Kind.CPU && index != 0)) {
      throw new IllegalArgumentException(
          "Device: no device "
              + kind.name().toLowerCase(Locale.ROOT)
              + ":"
              + index
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
      throw new IllegalArgumentException(
          "Device.parse: no text (null); expected cpu, cuda or cuda:N");
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
      if (!number.isEmpty()
          && number.chars().allMatch(c -> c >= '0' && c <= '9')
          && number.length() <= 9) {
        return cuda(Integer.parseInt(number));
      }
    }
    throw new IllegalArgumentException(
        "Device.parse: '"
            + text
            + "' is not a device; expected cpu, cuda or cuda:N "
            + "(N = 0, 1, ...)");
  }

  public boolean isCpu() {
    return kind == Kind.CPU;
  }

  @Override
  public String toString() {
    return kind == Kind.CPU ? "cpu" : "cuda:" + index;
  }
}
