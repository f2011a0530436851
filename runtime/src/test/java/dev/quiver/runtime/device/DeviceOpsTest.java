package dev.quiver.runtime.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import dev.quiver.runtime.autograd.GradCheck;
import dev.quiver.runtime.io.TensorFile;
import dev.quiver.runtime.memory.MemoryScope;
import dev.quiver.runtime.testing.SimulatedBackend;
import dev.quiver.runtime.testing.SimulatedDevice;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ops on a device other than the CPU, proven on the simulated device (whose memory is not host
 * memory, so a wrong view().hostSegment() fails): results land on the operands' device and equal
 * the CPU's, mixed devices fail naming both, gradients stay on their parameter's device, values
 * read back through the backend.
 */
class DeviceOpsTest {
  private static final SimulatedBackend BACKEND = SimulatedDevice.install();
  private static final Device SIM = SimulatedDevice.DEVICE;

  private static Tensor host(long seed, long... shape) {
    return Tensor.randn(shape, seed).to(Device.CPU);
  }

  private static void sameOnBoth(String what, Function<Tensor[], Tensor> op, Tensor... cpuInputs) {
    Tensor[] simInputs = new Tensor[cpuInputs.length];
    for (int i = 0; i < cpuInputs.length; i++) {
      simInputs[i] = cpuInputs[i].to(SIM);
      assertEquals(SIM, simInputs[i].device());
    }
    Tensor expected = op.apply(cpuInputs);
    Tensor actual = op.apply(simInputs);
    assertEquals(SIM, actual.device(), what + ": result device");
    assertEquals(expected.dtype(), actual.dtype(), what);
    assertArrayEquals(expected.shape(), actual.shape(), what);
    assertArrayEquals(expected.toDoubleArray(), actual.toDoubleArray(), 1e-6, what);
  }

  @Test
  void opsComputeOnTheirOperandsDevice() {
    Tensor a = host(1, 3, 4);
    Tensor b = host(2, 3, 4);
    Tensor row = host(3, 4);
    Tensor m = host(4, 4, 5);
    Tensor idx = Tensor.ofInts(new int[] {2, 0, 1, 3, 3, 0}, 3, 2).to(Device.CPU);
    sameOnBoth("add", t -> t[0].add(t[1]), a, b);
    sameOnBoth("broadcast mul", t -> t[0].mul(t[1]), a, row);
    sameOnBoth("scalar constants", t -> t[0].add(1).mul(2).rsub(3).clamp(-1, 1), a);
    sameOnBoth("unary chain", t -> t[0].tanh().exp().sigmoid().relu(), a);
    sameOnBoth("matmul", t -> t[0].matmul(t[1]), a, m);
    sameOnBoth("reductions", t -> t[0].sum(1).add(t[0].max(0).sum()).add(t[0].mean()), a);
    sameOnBoth("argmax", t -> t[0].argmax(1), a);
    sameOnBoth("softmax", t -> t[0].softmax(1), a);
    sameOnBoth("logSoftmax, not last axis", t -> t[0].logSoftmax(0), a);
    sameOnBoth("where", t -> Tensor.where(t[0].gt(0), t[0], t[1]), a, b);
    sameOnBoth("gather", t -> t[0].gather(1, t[1]), a, idx);
    sameOnBoth("indexSelect", t -> t[0].indexSelect(1, t[1].reshape(-1).slice(0, 0, 3)), a, idx);
    sameOnBoth(
        "concat and stack",
        t -> Tensor.concat(0, t[0], t[1]).add(Tensor.stack(0, t[0], t[1]).sum(0).sum()),
        a,
        b);
    sameOnBoth(
        "views then copy", t -> t[0].transpose().contiguous().reshape(2, 6).slice(1, 1, 5, 2), a);
    sameOnBoth("cast", t -> t[0].to(DType.FLOAT64).mul(3).to(DType.INT32), a);
    sameOnBoth("fused", t -> t[0].fused().mul(t[1]).add(1.5).relu().eval(), a, b);
    sameOnBoth("zerosLike and onesLike", t -> Tensor.zerosLike(t[0]).add(Tensor.onesLike(t[0])), a);
    sameOnBoth("variance", t -> t[0].variance(1, true), a);
    sameOnBoth("logSumExp", t -> t[0].logSumExp(1, false), a);
  }

  @Test
  void inPlaceOpsStayOnTheDevice() {
    Tensor t = host(5, 2, 3).to(SIM);
    Tensor expected = host(5, 2, 3).mul(2).add(1);
    t.mulInPlace(2).addInPlace(1);
    t.addInPlace(Tensor.zeros(SIM, DType.FLOAT32, 3));
    assertEquals(SIM, t.device());
    assertArrayEquals(expected.toFloatArray(), t.toFloatArray(), 1e-6f);
    t.set(9, 1, 2);
    assertEquals(9.0, t.get(1, 2));
    t.copyFrom(Tensor.ones(SIM, DType.FLOAT32, 3));
    assertEquals(6.0, t.sum().item());
    t.fused().mul(2).into(t);
    assertEquals(12.0, t.sum().item());
  }

  @Test
  void mixedDevicesFailNamingTheOpAndBothDevices() {
    Tensor cpu = Tensor.ones(Device.CPU, DType.FLOAT32, 2, 2);
    Tensor sim = Tensor.ones(SIM, DType.FLOAT32, 2, 2);
    Tensor simIndex = Tensor.zeros(SIM, DType.INT32, 2, 2);
    assertEquals(
        "add: operands are on different devices: cpu and cuda:99; move one with .to(Device)",
        message(() -> cpu.add(sim)));
    assertMentions(message(() -> sim.matmul(cpu)), "matmul", "cuda:99", "cpu");
    assertMentions(message(() -> Tensor.where(cpu.gt(0), sim, sim)), "where", "cuda:99", "cpu");
    assertMentions(message(() -> Tensor.where(sim.gt(0), cpu, sim)), "where", "cuda:99", "cpu");
    assertMentions(message(() -> cpu.gather(1, simIndex)), "gather", "cuda:99", "cpu");
    assertMentions(message(() -> Tensor.concat(0, cpu, sim)), "concat", "cuda:99", "cpu");
    assertMentions(message(() -> Tensor.stack(0, sim, cpu)), "concat", "cuda:99", "cpu");
    assertMentions(message(() -> cpu.addInPlace(sim)), "addInPlace", "cuda:99", "cpu");
    assertMentions(message(() -> cpu.copyFrom(sim)), "copyFrom", "cuda:99", "cpu");
    assertMentions(message(() -> cpu.fused().add(sim).eval()), "fused", "cuda:99", "cpu");
    Tensor w = Tensor.ones(SIM, DType.FLOAT32, 2).requiresGrad();
    assertMentions(
        message(() -> w.mul(2).backward(Tensor.ones(Device.CPU, DType.FLOAT32, 2))),
        "backward",
        "cuda:99",
        "cpu");
  }

  @Test
  void gradientsLiveOnTheirParametersDevice() {
    Tensor w = host(6, 3, 2).to(SIM).detach().requiresGrad();
    Tensor x = host(7, 4, 3).to(SIM);
    Tensor loss = x.matmul(w).relu().square().mean();
    loss.backward();
    assertEquals(SIM, w.grad().device());
    Tensor wCpu = host(6, 3, 2).requiresGrad();
    host(7, 4, 3).matmul(wCpu).relu().square().mean().backward();
    assertArrayEquals(wCpu.grad().toFloatArray(), w.grad().toFloatArray(), 1e-6f);
    // Accumulation and zeroing keep the buffer where it is.
    x.matmul(w).relu().square().mean().backward();
    assertEquals(SIM, w.grad().device());
    w.zeroGrad();
    assertEquals(SIM, w.grad().device());
    assertEquals(0.0, w.grad().abs().sum().item());
  }

  @Test
  void movingToADeviceKeepsTheGradientFlowingBack() {
    Tensor w = host(8, 2, 2).requiresGrad();
    Tensor loss = w.to(SIM).mul(3).sum();
    assertEquals(SIM, loss.device());
    loss.backward();
    assertEquals(Device.CPU, w.grad().device());
    assertArrayEquals(new float[] {3, 3, 3, 3}, w.grad().toFloatArray());
  }

  @Test
  void gradCheckWorksOnTheDevice() {
    Tensor a = host(9, 2, 3).to(SIM);
    Tensor b = host(10, 3, 2).to(SIM);
    var report = GradCheck.assertGradients(t -> t[0].matmul(t[1]).tanh().softmax(1), a, b);
    assertTrue(report.passed());
  }

  @Test
  void valuesAreReadThroughTheBackend(@TempDir Path dir) throws Exception {
    Tensor t = Tensor.of(new float[] {1.5f, -2, 3, 4}, 2, 2).to(Device.CPU).to(SIM);
    assertEquals(-2.0, t.get(0, 1));
    assertEquals(6.5, t.sum().item());
    assertArrayEquals(new float[] {1.5f, 3, -2, 4}, t.transpose().toFloatArray());
    assertArrayEquals(new int[] {1, -2, 3, 4}, t.toIntArray());
    String text = t.toString();
    assertTrue(text.contains("device=cuda:99") && text.contains("-2."), text);
    assertTrue(
        t.toMimeBundle().toString().contains("cuda:99") || !t.toMimeBundle().data().isEmpty());
    var e = assertThrows(IllegalStateException.class, t.view()::hostSegment);
    assertMentions(e.getMessage(), "cuda:99", "to(Device.CPU)");
    Path file = dir.resolve("t.arrow");
    TensorFile.save(file, Map.of("t", t.transpose()));
    Tensor back = TensorFile.load(file).get("t").to(Device.CPU);
    assertArrayEquals(new float[] {1.5f, 3, -2, 4}, back.toFloatArray());
  }

  @Test
  void deviceMemoryIsFreedLikeHostMemory() {
    Tensor kept;
    long before = BACKEND.bytesInUse();
    try (var scope = MemoryScope.open()) {
      Tensor a = Tensor.ones(SIM, DType.FLOAT32, 256);
      for (int i = 0; i < 50; i++) {
        a = a.mul(1.01).add(a);
      }
      kept = scope.keep(a.sum());
      assertTrue(
          BACKEND.bytesInUse() >= before + 50 * 1024L,
          "the step's memory is in use inside the scope");
    }
    assertEquals(
        before + kept.view().storage().byteSize(),
        BACKEND.bytesInUse(),
        "the scope freed all but the kept tensor");
    kept.close();
    assertEquals(before, BACKEND.bytesInUse());
    try (var ignored = Autograd.noGrad()) {
      Tensor gone = Tensor.ones(SIM, DType.FLOAT32, 8);
      gone.close();
      assertMentions(message(IllegalStateException.class, gone::toFloatArray), "released");
    }
  }

  private static String message(Executable e) {
    return message(IllegalArgumentException.class, e);
  }

  private static String message(Class<? extends Throwable> type, Executable e) {
    return assertThrows(type, e).getMessage();
  }

  private static void assertMentions(String message, String... parts) {
    for (String p : parts) {
      assertTrue(message.contains(p), "expected '" + p + "' in: " + message);
    }
  }
}
