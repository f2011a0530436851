package dev.quiver.runtime;

/**
 * Where a tensor's memory lives and which backend computes on it.
 *
 * @param kind  the backend family
 * @param index the device number within that family (0 for the CPU)
 */
public record Device(Kind kind, int index) {
  public enum Kind { CPU, CUDA }

  public static final Device CPU = new Device(Kind.CPU, 0);

  public static Device cuda(int index) {
    return new Device(Kind.CUDA, index);
  }

  @Override
  public String toString() {
    return kind == Kind.CPU ? "cpu" : "cuda:" + index;
  }
}
