package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.dsl.data.Datasets;
import dev.quiver.dsl.layers.BatchNorm1d;
import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.metrics.Metric;
import dev.quiver.dsl.optim.Adam;
import dev.quiver.dsl.optim.Optimizer;
import dev.quiver.dsl.optim.SGD;
import dev.quiver.dsl.train.Fit;
import dev.quiver.dsl.train.History;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.memory.Memory;
import dev.quiver.runtime.testing.SimulatedBackend;
import dev.quiver.runtime.testing.SimulatedDevice;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DSL on a device other than the CPU, proven on the simulated device: the same model and code
 * train there by choosing the device, and match the CPU within float32 tolerance (the CPU takes the
 * fused host optimizer loop, the device the general tensor-op path, so they are not bit-equal).
 */
class DeviceTrainingTest {
  private static final SimulatedBackend BACKEND = SimulatedDevice.install();
  private static final Device SIM = SimulatedDevice.DEVICE;

  private static Sequential irisModel() {
    return Sequential.of(Dense.of(16).relu(), BatchNorm1d.of(), Dense.of(3)).seed(3);
  }

  private static History trainIris(Sequential model, Optimizer opt) {
    return model.fit(
        Datasets.iris().standardize(),
        Fit.epochs(25)
            .batch(16)
            .optimizer(opt)
            .loss(Loss.crossEntropy())
            .metrics(Metric.accuracy())
            .validationSplit(0.2)
            .quiet());
  }

  /**
   * max |a - b| / max |b|: a relative error that does not blow up at individual values near zero.
   */
  private static double relativeError(double[] a, double[] b) {
    assertEquals(b.length, a.length);
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(b[i]));
    }
    return diff / Math.max(scale, 1e-30);
  }

  private static double[] flatWeights(Module m) {
    List<Double> all = new ArrayList<>();
    for (float[] w : m.weights().values()) {
      for (float v : w) {
        all.add((double) v);
      }
    }
    return all.stream().mapToDouble(Double::doubleValue).toArray();
  }

  private void trainsLikeTheCpu(Supplier<Optimizer> optimizer) {
    var cpu = irisModel().to(Device.CPU);
    var sim = irisModel().to(SIM);
    History onCpu = trainIris(cpu, optimizer.get());
    History onSim = trainIris(sim, optimizer.get());

    for (Tensor p : sim.parameters()) {
      assertEquals(SIM, p.device());
    }
    for (Tensor p : cpu.parameters()) {
      assertEquals(Device.CPU, p.device());
    }
    assertEquals(SIM, sim.device());
    for (String key : new String[] {"loss", "val_loss", "accuracy", "val_accuracy"}) {
      double err = relativeError(onSim.get(key), onCpu.get(key));
      assertTrue(err < 1e-4, key + ": relative error " + err);
    }
    double err = relativeError(flatWeights(sim), flatWeights(cpu));
    assertTrue(err < 1e-4, "weights: relative error " + err);
    assertTrue(
        onSim.last("accuracy") > 0.9, "the model learned: accuracy " + onSim.last("accuracy"));

    // Inference from host data: the input moves to the model, the output stays on its device.
    Tensor x = Datasets.iris().standardize().x().to(Device.CPU);
    Tensor predicted = sim.predict(x);
    assertEquals(SIM, predicted.device());
    assertTrue(relativeError(predicted.toDoubleArray(), cpu.predict(x).toDoubleArray()) < 1e-4);
    var evaluation = sim.evaluate(Datasets.iris().standardize());
    assertTrue(evaluation.loss() < 0.5, "evaluate: loss " + evaluation.loss());
  }

  @Test
  void irisTrainsOnTheDeviceLikeOnTheCpuWithAdam() {
    trainsLikeTheCpu(() -> Adam.lr(0.01));
  }

  @Test
  void irisTrainsOnTheDeviceLikeOnTheCpuWithNesterovSgd() {
    trainsLikeTheCpu(() -> SGD.lr(0.05).momentum(0.9).nesterov());
  }

  @Test
  void movingAModelKeepsItsParamHoldersAndValues() {
    var model = Sequential.of(Dense.of(4).tanh(), Dense.of(2)).seed(1).input(3);
    Map<String, Param> before = model.namedParams();
    Map<String, float[]> values = model.weights();
    assertSame(model, model.to(SIM));
    Map<String, Param> after = model.namedParams();
    assertEquals(before.keySet(), after.keySet());
    for (String name : before.keySet()) {
      assertSame(before.get(name), after.get(name), name);
      assertEquals(SIM, after.get(name).value().device(), name);
      assertTrue(after.get(name).value().isGradRequired(), name);
      assertArrayEquals(values.get(name), model.weights().get(name), name);
    }
    assertEquals(SIM, model.device());
    model.to(Device.CPU);
    assertEquals(Device.CPU, model.device());
    assertEquals(Device.CPU, model.parameters().getFirst().device());
  }

  /**
   * A module of the user's own (a layer, not a model): a layer plus a raw tensor field that is a
   * parameter too.
   */
  static final class Scaled extends Module {
    Dense hidden = Dense.of(4).tanh();
    Tensor scale = Tensor.full(Device.CPU, 2, dev.quiver.runtime.DType.FLOAT32).requiresGrad();

    @Override
    protected Tensor forward(Tensor x) {
      return hidden.apply(x).mul(scale);
    }
  }

  @Test
  void aFreeFormModelMovesItsTensorFieldsAndBuildsOnItsDevice() {
    var model = new Scaled();
    model.seed(5).to(SIM); // before it is built: it builds on the device
    Tensor x = Tensor.randn(new long[] {3, 2}, 1).to(SIM);
    Tensor y = model.apply(x);
    assertEquals(SIM, y.device());
    assertEquals(SIM, model.scale.device(), "the raw tensor field was moved");
    assertTrue(model.scale.isGradRequired());
    for (Tensor p : model.parameters()) {
      assertEquals(SIM, p.device());
    }
    y.sum().backward();
    assertEquals(SIM, model.scale.grad().device());
    var reference = new Scaled();
    reference.seed(5).to(Device.CPU); // explicit: in the device suite the default is the device
    Tensor expected = reference.apply(Tensor.randn(new long[] {3, 2}, 1).to(Device.CPU));
    assertTrue(relativeError(y.toDoubleArray(), expected.toDoubleArray()) < 1e-6);
  }

  @Test
  void aModelOnTheDeviceRefusesAHostBatchGivenByHandNamingBothDevices() {
    var model = Sequential.of(Dense.of(2)).seed(1).input(3).to(SIM);
    Tensor hostBatch = Tensor.zeros(Device.CPU, dev.quiver.runtime.DType.FLOAT32, 4, 3);
    var e = assertThrows(IllegalArgumentException.class, () -> model.apply(hostBatch));
    assertTrue(
        e.getMessage().contains("cpu")
            && e.getMessage().contains(SIM.toString())
            && e.getMessage().contains("different devices"),
        e.getMessage());
  }

  @Test
  void lossesRefuseTargetsOnAnotherDeviceNamingTheLoss() {
    Tensor prediction = Tensor.zeros(SIM, dev.quiver.runtime.DType.FLOAT32, 4, 3);
    Tensor labels = Tensor.zeros(Device.CPU, dev.quiver.runtime.DType.INT32, 4);
    Tensor values = Tensor.zeros(Device.CPU, dev.quiver.runtime.DType.FLOAT32, 4, 3);
    assertEquals(
        "crossEntropy: prediction and target are on different devices: cuda:99 and cpu; move one with "
            + ".to(Device)",
        assertThrows(
                IllegalArgumentException.class,
                () -> Loss.crossEntropy().compute(prediction, labels))
            .getMessage());
    var e =
        assertThrows(IllegalArgumentException.class, () -> Loss.mse().compute(prediction, values));
    assertTrue(
        e.getMessage().startsWith("mse: prediction and target are on different devices"),
        e.getMessage());
  }

  @Test
  void aModelTrainedOnTheDeviceSavesAndLoads(@TempDir Path dir) {
    var model = irisModel().to(SIM);
    trainIris(model, Adam.lr(0.01));
    Models.save(model, dir);
    Sequential loaded = Models.load(dir).to(Device.CPU);
    Tensor x = Datasets.iris().standardize().x().to(Device.CPU);
    assertTrue(
        relativeError(loaded.predict(x).toDoubleArray(), model.predict(x).toDoubleArray()) < 1e-6);
  }

  @Test
  void tenThousandStepsOnTheDeviceDoNotGrowItsBytesInUse() {
    var data = Datasets.xor(160, 0.1, 2);
    var model = Sequential.of(Dense.of(8).relu(), Dense.of(2)).seed(1).to(SIM);
    var opt = Adam.lr(0.01);
    model.fit(data, Fit.epochs(1).batch(16).optimizer(opt).loss(Loss.crossEntropy()).quiet());
    Memory.collect();
    long baseline = BACKEND.bytesInUse();
    assertTrue(baseline > 0, "the parameters, gradients and Adam state live on the device");
    var history =
        model.fit(
            data,
            Fit.epochs(1000)
                .batch(16)
                .optimizer(opt)
                .loss(Loss.crossEntropy())
                .metrics(Metric.accuracy())
                .quiet());
    assertEquals(10_000, history.steps());
    Memory.collect();
    assertEquals(baseline, BACKEND.bytesInUse());
  }
}
