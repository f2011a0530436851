package dev.quiver.runtime.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quiver.runtime.ConvOptions;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.Interpolation;
import dev.quiver.runtime.PadMode;
import dev.quiver.runtime.PoolOptions;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.testing.SimulatedDevice;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Convolution, pooling, padding and resizing on a device other than the CPU (the simulated one: its
 * convolutions take the backend's default im2col + matmul path, as CUDA's do): results and
 * gradients stay on the device and equal the CPU's fast kernels'.
 */
class DeviceConvolutionTest {
  private static final Device SIM = SimulatedDevice.DEVICE;

  static {
    SimulatedDevice.install();
  }

  private static Tensor host(long seed, long... shape) {
    return Tensor.randn(shape, seed).to(Device.CPU);
  }

  /** The op's value and the gradients of every input, on the CPU and on the device. */
  private static void sameOnBoth(String what, Function<Tensor[], Tensor> op, Tensor... cpuInputs) {
    Tensor[] cpu = new Tensor[cpuInputs.length];
    Tensor[] sim = new Tensor[cpuInputs.length];
    for (int i = 0; i < cpu.length; i++) {
      cpu[i] = cpuInputs[i].detach().requiresGrad();
      sim[i] = cpuInputs[i].to(SIM).requiresGrad();
    }
    Tensor expected = op.apply(cpu);
    Tensor actual = op.apply(sim);
    assertEquals(SIM, actual.device(), what + ": result device");
    assertArrayEquals(expected.shape(), actual.shape(), what);
    assertArrayEquals(expected.toFloatArray(), actual.toFloatArray(), 1e-4f, what);
    Tensor up = host(99, expected.shape());
    expected.backward(up);
    actual.backward(up.to(SIM));
    for (int i = 0; i < cpu.length; i++) {
      assertEquals(SIM, sim[i].grad().device(), what + ": gradient " + i + " device");
      assertArrayEquals(
          cpu[i].grad().toFloatArray(), sim[i].grad().toFloatArray(), 1e-4f, what + ": grad " + i);
    }
  }

  @Test
  void convolutionsOnTheDevice() {
    Tensor x = host(1, 3, 4, 9, 8);
    Tensor w = host(2, 6, 2, 3, 3);
    Tensor b = host(3, 6);
    var opts = ConvOptions.defaults().stride(2, 1).padding(1).dilation(1, 2).groups(2);
    sameOnBoth("conv2d", t -> t[0].conv2d(t[1], t[2], opts), x, w, b);
    sameOnBoth("conv2d 1x1", t -> t[0].conv2d(t[1]), x, host(4, 5, 4, 1, 1));
    sameOnBoth(
        "conv1d",
        t -> t[0].conv1d(t[1], t[2], ConvOptions.defaults().stride(2).padding(1)),
        host(5, 2, 4, 11),
        host(6, 3, 4, 3),
        host(7, 3));
    sameOnBoth(
        "convTranspose2d",
        t -> t[0].convTranspose2d(t[1], t[2], ConvOptions.defaults().stride(2).outputPadding(1)),
        host(8, 2, 4, 3, 5),
        host(9, 4, 3, 3, 3),
        host(10, 3));
  }

  @Test
  void poolingPaddingAndResizingOnTheDevice() {
    Tensor x = host(11, 2, 3, 7, 6);
    var o = PoolOptions.kernel(3).stride(2).padding(1).ceilMode();
    sameOnBoth("maxPool2d", t -> t[0].maxPool2d(o), x);
    sameOnBoth("avgPool2d", t -> t[0].avgPool2d(o.excludePadding()), x);
    sameOnBoth("adaptiveAvgPool2d", t -> t[0].adaptiveAvgPool2d(3, 4), x);
    sameOnBoth("maxPool1d", t -> t[0].maxPool1d(PoolOptions.kernel(2)), host(12, 2, 3, 9));
    sameOnBoth("reflect pad", t -> t[0].pad(new int[] {1, 2, 2, 1}, PadMode.REFLECT, 0), x);
    sameOnBoth("constant pad", t -> t[0].pad(1, 1, 0, 2), x);
    sameOnBoth("bilinear", t -> t[0].interpolate(9, 4, Interpolation.BILINEAR), x);
    sameOnBoth("nearest", t -> t[0].upsample(2, Interpolation.NEAREST), x);
  }
}
