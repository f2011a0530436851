package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.dsl.data.Datasets;
import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.metrics.Metric;
import dev.quiver.dsl.optim.Adam;
import dev.quiver.dsl.optim.SGD;
import dev.quiver.dsl.train.Fit;
import org.junit.jupiter.api.Test;

/** The acceptance tests of issue 3 that train models. */
class AcceptanceTest {

  @Test
  void irisClassifierReachesTestAccuracyOf093() {
    var iris = Datasets.iris().split(0.8, 42).standardize();
    var model =
        Sequential.of(Dense.of(10).relu(), Dense.of(8).relu(), Dense.of(3).softmax())
            .input(4)
            .seed(42);
    long t0 = System.nanoTime();
    var history =
        model.fit(
            iris.train(),
            Fit.epochs(100)
                .batch(16)
                .optimizer(Adam.lr(0.01))
                .loss(Loss.crossEntropy())
                .metrics(Metric.accuracy())
                .quiet());
    double us = (System.nanoTime() - t0) / 1e3 / history.steps();
    var result = model.evaluate(iris.test());
    System.out.printf(
        "iris: %s, train accuracy %.4f, %d steps, %.0f us/step (first fit in the JVM, JIT warming)%n",
        result, history.last("accuracy"), history.steps(), us);
    assertEquals(120, iris.train().size());
    assertEquals(100, history.epochCount());
    assertTrue(result.accuracy() >= 0.93, "test accuracy " + result.accuracy());
    var cm = result.confusionMatrix();
    System.out.println(cm);
    assertEquals(30, cm.total());
    assertTrue(cm.toString().contains("versicolor"), cm.toString());
  }

  @Test
  void linearRegressionOnY2xPlus1FindsSlope2AndIntercept1() {
    var data = Datasets.linear(100, 2, 1, 0, 0);
    var model = Sequential.of(Dense.of(1).init(dev.quiver.dsl.layers.Init.zeros())).input(1);
    var history =
        model.fit(
            data, Fit.epochs(1000).fullBatch().optimizer(SGD.lr(0.5)).loss(Loss.mse()).quiet());
    var dense = (Dense) model.layer(0);
    double w = dense.weight().value().item();
    double b = dense.bias().value().item();
    System.out.printf(
        "linreg: w %.6f b %.6f loss %.3g after %d steps%n",
        w, b, history.last("loss"), history.steps());
    assertEquals(1000, history.steps());
    assertEquals(2, w, 0.01);
    assertEquals(1, b, 0.01);
  }

  @Test
  void xorIsLearned() {
    var split = Datasets.xor(400, 0.15, 1).split(0.75, 42);
    var model = Sequential.of(Dense.of(8).tanh(), Dense.of(1).sigmoid()).seed(3);
    model.fit(
        split.train(), Fit.epochs(60).batch(16).optimizer(Adam.lr(0.05)).loss(Loss.bce()).quiet());
    double acc = model.evaluate(split.test(), Loss.bce(), Metric.accuracy()).accuracy();
    System.out.println("xor: test accuracy " + acc);
    assertTrue(acc >= 0.97, "xor accuracy " + acc);
  }

  @Test
  void twoMoonsAreLearned() {
    var split = Datasets.moons(600, 0.1, 7).split(0.8, 42);
    var model = Sequential.of(Dense.of(16).relu(), Dense.of(16).relu(), Dense.of(2)).seed(5);
    model.fit(
        split.train(),
        Fit.epochs(80).batch(32).optimizer(Adam.lr(0.02)).loss(Loss.crossEntropy()).quiet());
    double acc = model.evaluate(split.test(), Loss.crossEntropy(), Metric.accuracy()).accuracy();
    System.out.println("moons: test accuracy " + acc);
    assertTrue(acc >= 0.97, "moons accuracy " + acc);
  }

  @Test
  void randomLabelsAreNotLearned() {
    // The random-label case study: 2 features, coin-flip labels, 2 -> 10 relu -> 1. Training
    // accuracy
    // may climb by memorising; test accuracy cannot beat chance.
    var split = Datasets.randomLabels(1000, 2, 4).split(0.8, 42);
    var model = Sequential.of(Dense.of(10).relu(), Dense.of(1)).seed(1);
    model.fit(
        split.train(),
        Fit.epochs(100).batch(32).optimizer(Adam.lr(0.01)).loss(Loss.bceWithLogits()).quiet());
    double acc = model.evaluate(split.test(), Loss.bceWithLogits(), Metric.accuracy()).accuracy();
    System.out.println("random labels: test accuracy " + acc);
    assertTrue(Math.abs(acc - 0.5) < 0.08, "random-label accuracy should be near 0.5, got " + acc);
  }
}
