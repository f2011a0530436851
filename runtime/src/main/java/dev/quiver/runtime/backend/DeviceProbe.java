package dev.quiver.runtime.backend;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.math.ElementwiseMath.BinaryOp;

/**
 * {@code java ... dev.quiver.runtime.backend.DeviceProbe cuda}: checks that a device can be used,
 * before a long run on it ({@code ./quiver test --device cuda}) so that a machine without one fails
 * at once with the reason instead of in every test. Exit status 0 when usable, 1 when not (the
 * reason on standard error), 2 for bad arguments.
 */
public final class DeviceProbe {
  private DeviceProbe() {}

  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: DeviceProbe DEVICE   (cpu, cuda or cuda:N)");
      System.exit(2);
    }
    Device device;
    try {
      device = Device.parse(args[0]);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    try {
      // A round trip through the device: loading its backend alone would not show a broken copy
      // path.
      Backend backend = Backends.of(device);
      View ones = vector(backend, 4);
      backend.fill(ones, 1);
      View twos = vector(backend, 4);
      backend.binary(BinaryOp.ADD, ones, ones, twos);
      View sum = vector(backend, 1);
      backend.reduce(ReduceOp.SUM, twos, sum);
      double total = Backends.cpu().get(backend.toHost(sum), 0);
      if (total != 8) {
        throw new IllegalStateException("1 + 1 summed over 4 elements gave " + total + ", not 8");
      }
      System.out.println(device + ": usable");
    } catch (RuntimeException e) {
      System.err.println(device + " cannot be used: " + e.getMessage());
      System.exit(1);
    }
  }

  /** n float32 elements on the backend's device, freed by the garbage collector. */
  private static View vector(Backend backend, long n) {
    return View.contiguous(
        backend.allocate(n * DType.FLOAT32.byteSize(), null), DType.FLOAT32, new long[] {n});
  }
}
