package dev.quiver.runtime.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.backend.Backends;
import dev.quiver.runtime.backend.Devices;
import dev.quiver.runtime.backend.cuda.Cuda;
import dev.quiver.runtime.testing.SimulatedDevice;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Naming devices, the best device, the default device that factories use. */
class DeviceApiTest {
  private static final Device SIM = SimulatedDevice.DEVICE;

  @Test
  void parsesTheNamesThatToStringWrites() {
    assertEquals(Device.CPU, Device.parse("cpu"));
    assertEquals(Device.cuda(0), Device.parse("cuda"));
    assertEquals(Device.cuda(0), Device.cuda());
    assertEquals(Device.cuda(1), Device.parse("cuda:1"));
    assertEquals(Device.cuda(12), Device.parse(" CUDA:12 "));
    for (Device d : new Device[] {Device.CPU, Device.cuda(0), Device.cuda(3)}) {
      assertEquals(d, Device.parse(d.toString()));
    }
  }

  @Test
  void badDeviceTextIsRefusedNamingIt() {
    for (String bad : new String[] {"gpu", "cuda:", "cuda:-1", "cuda:x", "cuda:1:2", "", "cpu:1"}) {
      var e = assertThrows(IllegalArgumentException.class, () -> Device.parse(bad));
      assertTrue(
          e.getMessage().contains("'" + bad + "'")
              && e.getMessage().contains("cpu, cuda or cuda:N"),
          e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> Device.parse(null));
    var e = assertThrows(IllegalArgumentException.class, () -> Device.cuda(-1));
    assertTrue(e.getMessage().contains("negative"), e.getMessage());
  }

  @Test
  void bestIsTheCpuWithOneNoteWhenCudaIsUnavailable() {
    var reason = Cuda.unavailableReason();
    if (reason.isEmpty()) {
      assertEquals(Device.cuda(0), Devices.best());
      return;
    }
    PrintStream err = System.err;
    var captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      assertEquals(Device.CPU, Devices.best());
      assertEquals(Device.CPU, Devices.best());
    } finally {
      System.setErr(err);
    }
    String text = captured.toString(StandardCharsets.UTF_8);
    long lines = text.lines().count();
    // Once per JVM: another test may have asked first, so zero lines is allowed, two never.
    assertTrue(lines <= 1, text);
    if (lines == 1) {
      assertEquals("Quiver: no CUDA device (" + reason.get() + "); using the CPU", text.strip());
    }
  }

  @Test
  void factoriesCreateOnTheDefaultDevice() {
    Device before = Devices.getDefault();
    try {
      Devices.setDefault(SIM);
      assertEquals(SIM, Devices.getDefault());
      Tensor[] made = {
        Tensor.zeros(2, 3),
        Tensor.ones(DType.FLOAT64, 2),
        Tensor.full(7, 4),
        Tensor.scalar(1),
        Tensor.of(1f, 2f),
        Tensor.of(new double[] {1, 2}),
        Tensor.ofInts(1, 2),
        Tensor.of(new float[][] {{1, 2}}),
        Tensor.arange(5),
        Tensor.eye(3),
        Tensor.rand(2, 2),
        Tensor.randn(2, 2),
        Tensor.empty(DType.INT32, 3)
      };
      for (Tensor t : made) {
        assertEquals(SIM, t.device(), t.shapeString());
      }
      assertEquals(1.0, Tensor.eye(3).get(2, 2));
      assertEquals(0.0, Tensor.eye(3).get(1, 2));
      assertEquals(4.0, Tensor.arange(5).get(4));
      // Explicit devices win over the default.
      assertEquals(Device.CPU, Tensor.zeros(Device.CPU, DType.FLOAT32, 2).device());
    } finally {
      Devices.setDefault(before);
    }
  }

  @Test
  void theSameSeedGivesTheSameValuesOnEveryDevice() {
    Tensor host = Tensor.randn(new long[] {3, 4}, 42).to(Device.CPU);
    Device before = Devices.getDefault();
    try {
      Devices.setDefault(SIM);
      Tensor sim = Tensor.randn(new long[] {3, 4}, 42);
      assertEquals(SIM, sim.device());
      assertTrue(java.util.Arrays.equals(host.toFloatArray(), sim.toFloatArray()));
    } finally {
      Devices.setDefault(before);
    }
  }

  @Test
  void anUnusableDefaultIsRefusedWithTheReason() {
    var reason = Cuda.unavailableReason();
    assumeTrue(reason.isPresent(), "CUDA is usable here");
    Device before = Devices.getDefault();
    var e = assertThrows(IllegalStateException.class, () -> Devices.setDefault(Device.cuda(5)));
    assertTrue(e.getMessage().contains(reason.get()), e.getMessage());
    assertEquals(before, Devices.getDefault());
    assertThrows(IllegalArgumentException.class, () -> Devices.setDefault(null));
  }

  @Test
  void aRegisteredBackendServesItsDevice() {
    assertSame(SimulatedDevice.install(), Backends.of(SIM));
    assertSame(Backends.cpu(), Backends.of(Device.CPU));
  }

  @Test
  void theDeviceSuiteRunsOnTheDeviceItWasAskedFor() {
    String asked = System.getProperty("quiver.device");
    assumeTrue(asked != null && !asked.isBlank(), "not the device suite");
    assertEquals(Device.parse(asked), Devices.getDefault());
    assertEquals(Device.parse(asked), Tensor.zeros(1).device());
  }
}
