package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.dsl.data.Datasets;
import dev.quiver.dsl.layers.BatchNorm1d;
import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.layers.Dropout;
import dev.quiver.dsl.layers.Embedding;
import dev.quiver.dsl.layers.PositionalEmbedding;
import dev.quiver.dsl.layers.TransformerBlock;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.optim.Adam;
import dev.quiver.dsl.train.Fit;
import dev.quiver.runtime.Tensor;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelsTest {
  @TempDir
  Path dir;

  @Test
  void aLoadedModelPredictsBitForBit() {
    var iris = Datasets.iris().split(0.8, 42).standardize();
    var model = Sequential.of(Dense.of(10).leakyRelu(0.1), BatchNorm1d.of(), Dropout.of(0.1), Dense.of(8).relu(),
        Dense.of(3).softmax()).input(4).seed(1);
    model.fit(iris.train(), Fit.epochs(5).batch(16).optimizer(Adam.lr(0.01)).loss(Loss.crossEntropy()).quiet());
    Path file = dir.resolve("iris-model");
    Models.save(model, file);
    var loaded = Models.load(file);
    assertEquals(model.summary().toString(), loaded.summary().toString());
    assertTrue(java.nio.file.Files.exists(file.resolve("model.json")) && java.nio.file.Files.exists(file.resolve("weights.arrow")));
    assertArrayEquals(model.predict(iris.test().x()).toFloatArray(), loaded.predict(iris.test().x()).toFloatArray());
  }

  @Test
  void transformerRoundTripsToo() {
    var model = Sequential.of(Embedding.of(10, 8), PositionalEmbedding.of(), TransformerBlock.of(2, 16).causal(),
        Dense.of(10)).input(5).seed(3);
    Path file = dir.resolve("transformer");
    Models.save(model, file);
    Tensor x = Datasets.reversal(4, 5, 10, 1).x();
    assertArrayEquals(model.predict(x).toFloatArray(), Models.load(file).predict(x).toFloatArray());
  }

  @Test
  void weightsOfAFreeFormModule() {
    var a = new TrainingTest.Scaled();
    a.seed(1);
    a.build(1);
    Path file = dir.resolve("w.arrow");
    Models.saveWeights(a, file);
    var b = new TrainingTest.Scaled();
    b.seed(2);
    b.build(1);
    Models.loadWeights(b, file);
    Tensor x = Tensor.of(new float[] {0.1f, 0.7f}, 2, 1);
    assertArrayEquals(a.predict(x).toFloatArray(), b.predict(x).toFloatArray());
  }
}
