package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.dsl.data.Datasets;
import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.loss.Penalty;
import dev.quiver.dsl.metrics.Metric;
import dev.quiver.dsl.optim.Adam;
import dev.quiver.dsl.optim.SGD;
import dev.quiver.dsl.train.BestWeights;
import dev.quiver.dsl.train.Callback;
import dev.quiver.dsl.train.EarlyStopping;
import dev.quiver.dsl.train.Fit;
import dev.quiver.dsl.train.TrainingDiverged;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import dev.quiver.runtime.memory.Memory;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainingTest {

  @Test
  void tenThousandStepsLeaveBytesInUseAtTheBaseline() {
    var data = Datasets.xor(160, 0.1, 2);
    var model = Sequential.of(Dense.of(8).relu(), Dense.of(2)).seed(1);
    var opt = Adam.lr(0.01);
    var fit =
        Fit.epochs(1)
            .batch(16)
            .optimizer(opt)
            .loss(Loss.crossEntropy())
            .metrics(Metric.accuracy())
            .quiet();
    model.fit(data, fit); // parameters, gradients and Adam state now exist
    long baseline = Memory.collect(); // the set-up's garbage is freed; nothing collectable is left
    long t0 = System.nanoTime();
    var history =
        model.fit(
            data,
            Fit.epochs(1000)
                .batch(16)
                .optimizer(opt)
                .loss(Loss.crossEntropy())
                .metrics(Metric.accuracy())
                .quiet());
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertEquals(10_000, history.steps());
    System.out.printf(
        "memory: 10000 steps in %.2f s (%.0f steps/s), bytes in use %d -> %d%n",
        seconds, 10_000 / seconds, baseline, Memory.bytesInUse());
    // No collection: every step's memory was freed by its scope, none was left for the GC.
    assertEquals(baseline, Memory.bytesInUse());
  }

  @Test
  void nanLossStopsWithTheStepAndTheFirstBadLayer() {
    var model = Sequential.of(Dense.of(4).relu(), Dense.of(2)).seed(1).input(2);
    var second = (Dense) model.layer(1);
    try (var ng = Autograd.noGrad()) {
      second.weight().value().fillInPlace(Double.NaN);
    }
    var e =
        assertThrows(
            TrainingDiverged.class,
            () ->
                model.fit(
                    Datasets.xor(32, 0.1, 1),
                    Fit.epochs(3)
                        .batch(8)
                        .optimizer(SGD.lr(0.1))
                        .loss(Loss.crossEntropy())
                        .quiet()));
    assertEquals(0, e.step());
    assertEquals("dense_1 (Dense)", e.layer());
    assertTrue(e.getMessage().contains("NaN at step 0 (epoch 1, batch 1)"), e.getMessage());
  }

  @Test
  void interruptStopsBetweenBatchesAndKeepsWeights() {
    Callback interruptAfterSecondEpoch =
        new Callback() {
          @Override
          public boolean onEpochEnd(int epoch, Map<String, Double> logs, Model model) {
            if (epoch == 1) {
              Thread.currentThread().interrupt();
            }
            return false;
          }
        };
    var model = Sequential.of(Dense.of(4).tanh(), Dense.of(2)).seed(1);
    var history =
        model.fit(
            Datasets.xor(64, 0.1, 1),
            Fit.epochs(50)
                .batch(8)
                .optimizer(Adam.lr(0.01))
                .loss(Loss.crossEntropy())
                .callbacks(interruptAfterSecondEpoch)
                .quiet());
    assertTrue(Thread.interrupted(), "the interrupt flag is left set for the caller");
    assertTrue(history.interrupted(), history.stopReason());
    assertEquals(2, history.epochCount());
    assertEquals(16, history.steps());
    assertTrue(model.isBuilt());
  }

  @Test
  void aKernelInterruptMidStepStopsCleanly() {
    int[] calls = {0};
    var model =
        Sequential.of(
                Dense.of(4).tanh(),
                dev.quiver.dsl.layers.Lambda.of(
                    "kernel",
                    x -> {
                      if (++calls[0]
                          == 5) { // what a runtime kernel does when it sees the interrupt flag
                        Thread.currentThread().interrupt();
                        throw new dev.quiver.runtime.OperationInterruptedException("test");
                      }
                      return x;
                    }),
                Dense.of(2))
            .seed(1);
    var history =
        model.fit(
            Datasets.xor(64, 0.1, 1),
            Fit.epochs(5).batch(8).optimizer(Adam.lr(0.01)).loss(Loss.crossEntropy()).quiet());
    assertTrue(Thread.interrupted());
    assertTrue(history.interrupted(), history.stopReason());
    assertEquals(
        3, history.steps()); // call 1 was the shape inference at build time, calls 2-4 steps 1-3
    assertEquals(0, history.epochCount());
  }

  @Test
  void earlyStoppingAndBestWeights() {
    var data = Datasets.randomLabels(200, 2, 3);
    var best = BestWeights.keep();
    var stop = EarlyStopping.patience(3);
    var model = Sequential.of(Dense.of(32).relu(), Dense.of(2)).seed(2);
    var history =
        model.fit(
            data,
            Fit.epochs(200)
                .batch(16)
                .optimizer(Adam.lr(0.05))
                .loss(Loss.crossEntropy())
                .validationSplit(0.25)
                .callbacks(stop, best)
                .quiet());
    assertTrue(history.epochCount() < 200, "random labels: val_loss stops improving early");
    assertTrue(stop.stoppedEpoch() >= 0);
    double[] val = history.get("val_loss");
    assertEquals(best.bestValue(), java.util.Arrays.stream(val).min().orElseThrow(), 1e-12);
    // The model now holds the best epoch's weights again.
    var split = data.split(0.75, 0);
    assertEquals(best.bestValue(), model.evaluate(split.test()).loss(), 1e-5);
  }

  @Test
  void validationLogsAndPenalty() {
    var split = Datasets.moons(200, 0.1, 1).split(0.8, 1);
    var model = Sequential.of(Dense.of(8).relu(), Dense.of(2)).seed(4);
    var history =
        model.fit(
            split.train(),
            Fit.epochs(5)
                .batch(32)
                .optimizer(Adam.lr(0.01))
                .loss(Loss.crossEntropy())
                .metrics(Metric.accuracy(), Metric.f1())
                .validation(split.test())
                .penalty(Penalty.l2(1e-3))
                .quiet());
    assertEquals(
        java.util.List.of("loss", "accuracy", "f1", "val_loss", "val_accuracy", "val_f1", "lr"),
        java.util.List.copyOf(history.epochs().getFirst().keySet()));
    assertTrue(history.toMimeBundle().has("text/html"));
  }

  /** A free-form model: the user's own class with layers and a raw tensor parameter. */
  static final class Scaled extends Model {
    Dense hidden = Dense.of(8).tanh();
    Dense out = Dense.of(1);
    Tensor scale = Tensor.scalar(1).requiresGrad();

    @Override
    protected Tensor forward(Tensor x) {
      return out.apply(hidden.apply(x)).mul(scale);
    }
  }

  @Test
  void freeFormModulesFindTheirParametersAndTrain() {
    var model = new Scaled();
    model.seed(3);
    var data = Datasets.linear(100, 2, 1, 0, 5);
    model.fit(data, Fit.epochs(300).batch(20).optimizer(Adam.lr(0.02)).loss(Loss.mse()).quiet());
    assertEquals(
        java.util.List.of("scale", "hidden.weight", "hidden.bias", "out.weight", "out.bias"),
        java.util.List.copyOf(model.namedParams().keySet()));
    String summary = model.summary().toString();
    assertTrue(
        summary.contains("scale (Param [])") && summary.contains("Total params: 26"), summary);
    double mse = model.evaluate(data, Loss.mse()).loss();
    assertTrue(mse < 1e-3, "free-form model fits a line, mse " + mse);
  }

  @Test
  void summaryListsLayersShapesAndParameters() {
    var model =
        Sequential.of(Dense.of(10).relu(), Dense.of(8).relu(), Dense.of(3).softmax()).input(4);
    String text = model.summary().toString();
    assertTrue(
        text.contains("dense (Dense)")
            && text.contains("[-1, 10]")
            && text.contains("Total params: 165"),
        text);
    assertTrue(model.toMimeBundle().get("text/html").orElseThrow().contains("<table"));
  }

  @Test
  void aFitReusedForAFreshModelStartsItsOptimizerAfresh() {
    var data = Datasets.randomLabels(120, 2, 4).split(100.0 / 120, 4).train();
    var fit =
        Fit.epochs(20).fullBatch().optimizer(Adam.lr(0.01)).loss(Loss.bceWithLogits()).quiet();
    double[] losses = new double[2];
    for (int run = 0; run < 2; run++) {
      var model = Sequential.of(Dense.of(8).relu(), Dense.of(1)).input(2).seed(0);
      double[] curve = model.fit(data, fit).loss();
      losses[run] = curve[curve.length - 1];
    }
    assertEquals(
        losses[0],
        losses[1],
        0.0,
        "two identical models trained with the same Fit end identically");
  }

  @Test
  void aBareLayerIsAModuleButNotAModel() {
    // Dense.of(3).fit(...) does not compile: fit, evaluate, predict and save belong to models.
    assertTrue(Module.class.isAssignableFrom(Dense.class));
    assertFalse(Model.class.isAssignableFrom(Dense.class));
    assertTrue(Model.class.isAssignableFrom(Sequential.class));
    for (var m : Module.class.getMethods()) {
      assertFalse(
          java.util.Set.of(
                  "fit", "evaluate", "predict", "save", "summary", "head", "applyBeforeHead")
              .contains(m.getName()),
          "Module." + m.getName());
    }
  }

  @Test
  void aSoftmaxModelIsEvaluatedOnItsLogits() {
    var iris = Datasets.iris().standardize();
    var model = Sequential.of(Dense.of(6).relu(), Dense.of(3).softmax()).input(4).seed(2);
    Tensor logits;
    try (var ng = Autograd.noGrad()) {
      logits = model.eval().applyBeforeHead(iris.x());
    }
    double byHand = Loss.crossEntropy().compute(logits, iris.y()).item();
    assertEquals(byHand, model.evaluate(iris, Loss.crossEntropy()).loss(), 1e-6);
    assertEquals(OutputHead.SOFTMAX, OutputHead.of(model));
  }

  /** A free-form model ending in a sigmoid, which tells the trainer so. */
  static final class SigmoidHeaded extends Model implements HasOutputHead {
    Dense logit = Dense.of(1);

    @Override
    protected Tensor forward(Tensor x) {
      return logit.apply(x).sigmoid();
    }

    @Override
    public OutputHead head() {
      return OutputHead.SIGMOID;
    }

    @Override
    public Tensor applyBeforeHead(Tensor x) {
      build(java.util.Arrays.copyOfRange(x.shape(), 1, x.dim()));
      return logit.apply(x);
    }
  }

  @Test
  void aFreeFormModelWithAHeadIsTrainedOnItsLogits() {
    // Confidently wrong: logits of ±60 saturate the sigmoid to exactly 0 or 1 in float32, where
    // bce on probabilities is clipped; on logits it is the exact softplus, about 60.
    var model = new SigmoidHeaded();
    model.seed(1);
    model.build(1);
    try (var ng = Autograd.noGrad()) {
      model.logit.weight().value().fillInPlace(60);
      model.logit.bias().value().fillInPlace(0);
    }
    var data =
        dev.quiver.dsl.data.Dataset.of(Tensor.of(new float[] {1, -1}, 2, 1), Tensor.of(0f, 1f));
    assertEquals(60, model.evaluate(data, Loss.bce()).loss(), 1e-3);
  }
}
