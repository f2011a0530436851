package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.dsl.data.Datasets;
import dev.quiver.dsl.layers.BatchNorm1d;
import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.layers.Dropout;
import dev.quiver.dsl.layers.Embedding;
import dev.quiver.dsl.layers.Lambda;
import dev.quiver.dsl.layers.PositionalEmbedding;
import dev.quiver.dsl.layers.TransformerBlock;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.optim.Adam;
import dev.quiver.dsl.train.Fit;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.io.TensorFile;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void aLoadedModelPredictsBitForBit() {
    var iris = Datasets.iris().split(0.8, 42).standardize();
    var model =
        Sequential.of(
                Dense.of(10).leakyRelu(0.1),
                BatchNorm1d.of(),
                Dropout.of(0.1),
                Dense.of(8).relu(),
                Dense.of(3).softmax())
            .input(4)
            .seed(1);
    model.fit(
        iris.train(),
        Fit.epochs(5).batch(16).optimizer(Adam.lr(0.01)).loss(Loss.crossEntropy()).quiet());
    Path file = dir.resolve("iris-model");
    Models.save(model, file);
    var loaded = Models.load(file);
    assertEquals(model.summary().toString(), loaded.summary().toString());
    assertTrue(
        java.nio.file.Files.exists(file.resolve("model.json"))
            && java.nio.file.Files.exists(file.resolve("weights.arrow")));
    assertArrayEquals(
        model.predict(iris.test().x()).toFloatArray(),
        loaded.predict(iris.test().x()).toFloatArray());
  }

  @Test
  void transformerRoundTripsToo() {
    var model =
        Sequential.of(
                Embedding.of(10, 8),
                PositionalEmbedding.of(),
                TransformerBlock.of(2, 16).causal(),
                Dense.of(10))
            .input(5)
            .seed(3);
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

  // ---------------------------------------------------------------- the file format holds

  /** A copy of a fixture written by the Models.save of commit a3a98c3 (see saved-v1/README.md). */
  private Path fixture(String name) throws IOException, URISyntaxException {
    Path from =
        Path.of(ModelsTest.class.getResource("saved-v1/" + name + "/model.json").toURI())
            .getParent();
    Path to = dir.resolve("fixture-" + name);
    Files.createDirectories(to);
    for (String f : new String[] {"model.json", "weights.arrow"}) {
      Files.copy(from.resolve(f), to.resolve(f));
    }
    return to;
  }

  private static Map<String, Tensor> expected() throws IOException {
    try (InputStream in = ModelsTest.class.getResourceAsStream("saved-v1/expected.arrow")) {
      return TensorFile.read(in);
    }
  }

  @Test
  void filesWrittenBeforeLayersOwnedTheirConfigsLoadAndWriteTheSameJson() throws Exception {
    var want = expected();
    Path mlp = fixture("mlp");
    Path transformer = fixture("transformer");
    var loadedMlp = Models.load(mlp);
    var loadedTransformer = Models.load(transformer);
    // Every layer type of the first format, rebuilt from its own config: the same predictions as
    // then
    // (float tolerance: in the simulated-device pass the loaded model computes on that device).
    assertArrayEquals(
        want.get("mlp").toFloatArray(),
        loadedMlp.predict(Datasets.iris().standardize().x()).toFloatArray(),
        1e-6f);
    assertArrayEquals(
        want.get("transformer").toFloatArray(),
        loadedTransformer.predict(Datasets.reversal(4, 5, 10, 1).x()).toFloatArray(),
        1e-5f);
    // And written again, the architecture is the same JSON, field for field.
    for (var c : Map.of(mlp, loadedMlp, transformer, loadedTransformer).entrySet()) {
      Path again = dir.resolve("again-" + c.getKey().getFileName());
      c.getValue().save(again);
      assertEquals(
          JSON.readTree(c.getKey().resolve("model.json").toFile()),
          JSON.readTree(again.resolve("model.json").toFile()),
          c.getKey().toString());
    }
  }

  // ---------------------------------------------------------------- layers of your own

  /** A layer of the user's own, declaring its config as any layer does. */
  static final class Shift extends Module implements Saveable<Shift.Config> {
    record Config(double by, int[] axes, Mode mode) implements LayerConfig {
      @Override
      public Shift create() {
        return new Shift(by);
      }
    }

    enum Mode {
      ADD
    }

    final double by;

    Shift(double by) {
      this.by = by;
    }

    @Override
    public Config config() {
      return new Config(by, new int[] {1}, Mode.ADD);
    }

    @Override
    protected long[] onBuild(long[] sampleShape) {
      return sampleShape.clone();
    }

    @Override
    protected Tensor forward(Tensor x) {
      return x.add(by);
    }
  }

  @Test
  void aLayerOfYourOwnSavesAndLoadsWhenItsClassIsGiven() throws IOException {
    var model = Sequential.of(Dense.of(3).tanh(), new Shift(0.5)).input(2).seed(1);
    model.save(dir);
    var json = JSON.readTree(dir.resolve("model.json").toFile()).get("layers").get(1);
    assertEquals(
        "{\"type\":\"Shift\",\"name\":\"shift\",\"by\":0.5,\"axes\":[1],\"mode\":\"ADD\"}",
        json.toString());
    var e = assertThrows(IllegalArgumentException.class, () -> Models.load(dir));
    assertTrue(
        e.getMessage()
            .endsWith(
                "layer 1: unknown layer type 'Shift': no built-in layer has that name; for a "
                    + "layer class of your own, pass it: Models.load(dir, Shift.class)"),
        e.getMessage());
    var loaded = Models.load(dir, Shift.class);
    assertSame(Shift.class, loaded.layer(1).getClass());
    assertEquals(0.5, ((Shift) loaded.layer(1)).by);
    Tensor x = Tensor.of(new float[] {0.1f, 0.7f, -1, 2}, 2, 2);
    assertArrayEquals(model.predict(x).toFloatArray(), loaded.predict(x).toFloatArray());
  }

  @Test
  void aLayerClassFromAnotherClassLoaderAsANotebookCellMakesIt(@TempDir Path classes)
      throws Exception {
    // A JShell cell's classes come from JShell's own loader, nested in a wrapper class, not public.
    String source =
        """
        import dev.quiver.dsl.*;
        import dev.quiver.dsl.Module;          // as the notebooks' default imports name it (java.lang has one)
        import dev.quiver.runtime.Tensor;
        public class Cell7 {
          static class Scale extends Module implements Saveable<Scale.Config> {
            record Config(double factor) implements LayerConfig {
              public Scale create() { return new Scale(factor); }
            }
            final double factor;
            Scale(double factor) { this.factor = factor; }
            public Config config() { return new Config(factor); }
            protected long[] onBuild(long[] s) { return s.clone(); }
            protected Tensor forward(Tensor x) { return x.mul(factor); }
          }
          public static Module make(double factor) { return new Scale(factor); }
        }
        """;
    Files.writeString(classes.resolve("Cell7.java"), source);
    String classPath =
        String.join(
            java.io.File.pathSeparator,
            location(Module.class),
            location(Tensor.class),
            location(dev.quiver.display.Displayable.class));
    int rc =
        javax.tools.ToolProvider.getSystemJavaCompiler()
            .run(
                null,
                null,
                null,
                "-cp",
                classPath,
                "-d",
                classes.toString(),
                classes.resolve("Cell7.java").toString());
    assertEquals(0, rc, "javac");
    try (var loader =
        new java.net.URLClassLoader(
            new java.net.URL[] {classes.toUri().toURL()}, ModelsTest.class.getClassLoader())) {
      Class<?> cell = loader.loadClass("Cell7");
      Module scale = (Module) cell.getMethod("make", double.class).invoke(null, 3.0);
      Class<? extends Module> scaleClass = scale.getClass();
      var model = Sequential.of(Dense.of(2), scale).input(3).seed(4);
      model.save(dir);
      var loaded = Models.load(dir, scaleClass);
      assertSame(scaleClass, loaded.layer(1).getClass());
      Tensor x = Tensor.of(new float[] {1, 2, 3}, 1, 3);
      assertArrayEquals(model.predict(x).toFloatArray(), loaded.predict(x).toFloatArray());
    }
  }

  private static String location(Class<?> c) throws URISyntaxException {
    return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }

  @Test
  void whatCannotBeSavedSaysSo() {
    var withLambda = Sequential.of(Dense.of(2), Lambda.of("double", x -> x.mul(2))).input(2);
    var e = assertThrows(IllegalArgumentException.class, () -> withLambda.save(dir));
    assertTrue(
        e.getMessage().startsWith("Models.save: layer double (Lambda) has no saved form"),
        e.getMessage());
    var freeForm = new TrainingTest.Scaled();
    var e2 = assertThrows(UnsupportedOperationException.class, () -> freeForm.save(dir));
    assertTrue(
        e2.getMessage().contains("free-form model has no saved architecture"), e2.getMessage());
  }

  // ---------------------------------------------------------------- untrusted files

  /** Writes a model.json of one layer (the weights of a Dense(2) on input [2]) and loads it. */
  private IllegalArgumentException loadingFails(String layerJson) throws IOException {
    Path d = dir.resolve("bad-" + Integer.toHexString(layerJson.hashCode()));
    Sequential.of(Dense.of(2)).input(2).save(d);
    Files.writeString(
        d.resolve("model.json"),
        "{\"format\": \"quiver-model\", \"version\": 1, \"input\": [2], "
            + "\"layers\": ["
            + layerJson
            + "]}");
    return assertThrows(IllegalArgumentException.class, () -> Models.load(d));
  }

  private void failsWith(String layerJson, String message) throws IOException {
    String got = loadingFails(layerJson).getMessage();
    assertTrue(got.startsWith("Models.load: ") && got.endsWith(message), got);
  }

  @Test
  void untrustedFilesFailNamingTheValueAndNeverLoadOtherClasses() throws IOException {
    failsWith(
        "{\"type\": \"Conv9\", \"name\": \"c\"}",
        "layer 0: unknown layer type 'Conv9': no built-in layer "
            + "has that name; for a layer class of your own, pass it: Models.load(dir, Conv9.class)");
    failsWith(
        "{\"type\": \"java.lang.ProcessBuilder\"}",
        "layer 0: type 'java.lang.ProcessBuilder' is not a layer "
            + "name (a simple class name such as Dense)");
    failsWith(
        "{\"type\": \"Init\"}",
        "layer 0: type 'Init' is not a layer: dev.quiver.dsl.layers.Init is not a Module");
    failsWith(
        "{\"type\": \"Lambda\"}",
        "layer 0: dev.quiver.dsl.layers.Lambda has no saved form: it does not declare "
            + "its config (implement Saveable<YourConfig> with a record YourConfig implements LayerConfig)");
    failsWith("{\"name\": \"d\"}", "layer 0 has no \"type\" naming its layer class (got nothing)");
    failsWith("[1, 2]", "layer 0 is not a JSON object: [1,2]");
    failsWith(
        "{\"type\": \"Dense\", \"name\": \"d\", \"units\": \"ten\", \"bias\": true}",
        "layer 0 (d, Dense): field \"units\" must be a whole number, got \"ten\"");
    failsWith(
        "{\"type\": \"Dense\", \"name\": \"d\", \"bias\": true}",
        "layer 0 (d, Dense): field \"units\" is missing");
    failsWith(
        "{\"type\": \"Dense\", \"name\": \"d\", \"units\": -3, \"bias\": true}",
        "layer 0 (d, Dense): Dense: units must be positive, got -3");
    failsWith(
        "{\"type\": \"Dense\", \"name\": \"d\", \"units\": 2, \"bias\": true, \"unitz\": 3}",
        "layer 0 (d, Dense): unknown field \"unitz\"; this layer's fields are [units, bias, activation]");
    failsWith(
        "{\"type\": \"Dense\", \"name\": \"d\", \"units\": 2, \"bias\": true, \"activation\": "
            + "{\"type\": \"Dropout\", \"rate\": 0.5}}",
        "layer 0 (d, Dense): field \"activation\" must be a Activation, "
            + "got dropout (Dropout)");
    failsWith(
        "{\"type\": \"Dense\", \"name\": \"d\", \"units\": 2, \"bias\": true, \"activation\": "
            + "{\"type\": \"Evil\"}}",
        "layer 0 (d, Dense)'s activation: unknown layer type 'Evil': no built-in layer has "
            + "that name; for a layer class of your own, pass it: Models.load(dir, Evil.class)");
  }

  @Test
  void untrustedFilesOutsideTheLayersToo() throws IOException {
    Sequential.of(Dense.of(2)).input(2).save(dir);
    String layer = "{\"type\": \"Dense\", \"name\": \"d\", \"units\": 2, \"bias\": true}";
    Files.writeString(
        dir.resolve("model.json"),
        "{\"format\": \"quiver-model\", \"version\": 1, \"input\": [2], "
            + "\"weights\": \"../../secrets\", \"layers\": ["
            + layer
            + "]}");
    var e = assertThrows(IllegalArgumentException.class, () -> Models.load(dir));
    assertTrue(
        e.getMessage()
            .endsWith("\"weights\" must name a file beside model.json, got \"../../secrets\""),
        e.getMessage());
    Files.writeString(
        dir.resolve("model.json"),
        "{\"format\": \"quiver-model\", \"version\": 1, \"input\": [-2], "
            + "\"layers\": ["
            + layer
            + "]}");
    e = assertThrows(IllegalArgumentException.class, () -> Models.load(dir));
    assertTrue(
        e.getMessage().endsWith("\"input\" must hold positive whole numbers, got [-2]"),
        e.getMessage());
    Files.writeString(
        dir.resolve("model.json"),
        "{\"format\": \"quiver-model\", \"version\": 9, \"input\": [2], "
            + "\"layers\": ["
            + layer
            + "]}");
    e = assertThrows(IllegalArgumentException.class, () -> Models.load(dir));
    assertTrue(
        e.getMessage().endsWith("has version 9; this Quiver reads version 1 and older"),
        e.getMessage());
  }
}
