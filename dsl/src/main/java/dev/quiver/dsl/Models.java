package dev.quiver.dsl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.dsl.layers.Activation;
import dev.quiver.dsl.layers.BatchNorm1d;
import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.layers.Dropout;
import dev.quiver.dsl.layers.Embedding;
import dev.quiver.dsl.layers.Flatten;
import dev.quiver.dsl.layers.GELU;
import dev.quiver.dsl.layers.LayerNorm;
import dev.quiver.dsl.layers.LeakyReLU;
import dev.quiver.dsl.layers.MultiHeadAttention;
import dev.quiver.dsl.layers.PositionalEmbedding;
import dev.quiver.dsl.layers.ReLU;
import dev.quiver.dsl.layers.Sigmoid;
import dev.quiver.dsl.layers.Softmax;
import dev.quiver.dsl.layers.Tanh;
import dev.quiver.dsl.layers.TransformerBlock;
import java.io.IOException;
import java.io.UncheckedIOException;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import dev.quiver.runtime.io.TensorFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Saving and loading models: a directory with the architecture of a {@link Sequential} as JSON
 * ({@code model.json}) and the weights, parameters and buffers, as an Arrow IPC file in the
 * runtime's fixed-shape tensor format ({@code weights.arrow}, readable by pyarrow). Values are
 * stored exactly, so a loaded model predicts bit for bit what the saved one did.
 *
 * <pre>{@code
 * Models.save(model, Path.of("iris-model"));
 * var again = Models.load(Path.of("iris-model"));
 * }</pre>
 *
 * A free-form {@link Module} has no architecture to write: save and load its weights with
 * {@link #saveWeights} and {@link #loadWeights} into an instance you construct.
 */
public final class Models {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int VERSION = 1;

  private Models() {}

  public static final String ARCHITECTURE = "model.json";
  public static final String WEIGHTS = "weights.arrow";

  /** Writes {@code dir/model.json} and {@code dir/weights.arrow}, creating the directory. */
  public static void save(Sequential model, Path dir) {
    if (!model.isBuilt()) {
      throw new IllegalStateException("Models.save: the model is not built; call .input(n) or train it first");
    }
    ObjectNode root = JSON.createObjectNode();
    root.put("format", "quiver-model").put("version", VERSION).put("weights", WEIGHTS);
    ArrayNode input = root.putArray("input");
    for (long s : model.inputShape()) {
      input.add(s);
    }
    ArrayNode layers = root.putArray("layers");
    for (Module m : model.layers()) {
      layers.add(spec(m));
    }
    try {
      Files.createDirectories(dir);
      JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(ARCHITECTURE).toFile(), root);
    } catch (IOException e) {
      throw new UncheckedIOException("Models.save: cannot write " + dir.resolve(ARCHITECTURE) + ": " + e.getMessage(), e);
    }
    saveWeights(model, dir.resolve(WEIGHTS));
  }

  /** Rebuilds a model saved by {@link #save} from its directory. */
  public static Sequential load(Path dir) {
    Path file = dir.resolve(ARCHITECTURE);
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("Models.load: cannot read " + file + ": " + e.getMessage(), e);
    }
    if (!"quiver-model".equals(root.path("format").asText()) || !root.has("layers")) {
      throw new IllegalArgumentException("Models.load: " + file + " is not a saved Sequential model (format "
          + root.path("format").asText("missing") + ")");
    }
    var model = Sequential.of();
    for (JsonNode l : root.get("layers")) {
      model.add(layer(l).named(l.get("name").asText()));
    }
    long[] input = new long[root.get("input").size()];
    for (int i = 0; i < input.length; i++) {
      input[i] = root.get("input").get(i).asLong();
    }
    model.build(input);
    loadWeights(model, dir.resolve(root.path("weights").asText(WEIGHTS)));
    return model;
  }

  /** Writes the parameters and buffers of any built module, by dotted name, as an Arrow IPC tensor file. */
  public static void saveWeights(Module model, Path file) {
    var tensors = new LinkedHashMap<String, Tensor>();
    model.namedParams().forEach((n, p) -> tensors.put(n, p.value().detach()));
    tensors.putAll(model.namedBuffers());
    try {
      TensorFile.save(file, tensors);
    } catch (IOException e) {
      throw new UncheckedIOException("Models.saveWeights: cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** Loads weights saved by {@link #saveWeights} (or {@link #save}) into a built module of the same structure. */
  public static void loadWeights(Module model, Path file) {
    Map<String, Tensor> saved;
    try {
      saved = TensorFile.load(file);
    } catch (IOException e) {
      throw new UncheckedIOException("Models.loadWeights: cannot read " + file + ": " + e.getMessage(), e);
    }
    var mine = new LinkedHashMap<String, Tensor>();
    model.namedParams().forEach((n, p) -> mine.put(n, p.value()));
    mine.putAll(model.namedBuffers());
    if (!mine.keySet().equals(saved.keySet())) {
      throw new IllegalArgumentException("Models.loadWeights: " + file + " holds " + saved.keySet() + " but "
          + model.describe() + " has " + mine.keySet());
    }
    try (var ignored = Autograd.noGrad()) {
      for (var e : mine.entrySet()) {
        Tensor from = saved.get(e.getKey());
        Tensor to = e.getValue();
        if (!Arrays.equals(from.shape(), to.shape())) {
          throw new IllegalArgumentException("Models.loadWeights: " + e.getKey() + " has shape " + from.shapeString()
              + " in " + file + " but " + to.shapeString() + " in the model");
        }
        // The file loads onto the default device; the model may live elsewhere.
        to.copyFrom((from.dtype() == to.dtype() ? from : from.to(to.dtype())).to(to.device()));
      }
    }
  }

  // ---------------------------------------------------------------- layers <-> JSON

  private static ObjectNode spec(Module m) {
    ObjectNode n = JSON.createObjectNode();
    n.put("type", m.getClass().getSimpleName()).put("name", m.name());
    switch (m) {
      case Dense d -> {
        n.put("units", d.units()).put("bias", d.hasBias());
        if (d.activation() != null) {
          n.set("activation", spec(d.activation()));
        }
      }
      case LeakyReLU a -> n.put("alpha", a.alpha());
      case Activation a -> { }
      case Dropout d -> n.put("rate", d.rate());
      case Flatten f -> { }
      case LayerNorm l -> n.put("eps", l.eps());
      case BatchNorm1d b -> n.put("eps", b.eps()).put("momentum", b.momentum());
      case Embedding e -> n.put("vocab", e.vocab()).put("dim", e.dim());
      case PositionalEmbedding p -> { }
      case MultiHeadAttention a -> n.put("heads", a.heads()).put("causal", a.isCausal());
      case TransformerBlock t -> n.put("heads", t.heads()).put("hidden", t.hidden()).put("causal", t.isCausal());
      default -> throw new IllegalArgumentException("Models.save: layer " + m.describe() + " has no saved form; "
          + "save its weights with Models.saveWeights and rebuild the model in code");
    }
    return n;
  }

  private static Module layer(JsonNode n) {
    String type = n.get("type").asText();
    return switch (type) {
      case "Dense" -> {
        Dense d = Dense.of(n.get("units").asLong());
        if (!n.path("bias").asBoolean(true)) {
          d.noBias();
        }
        if (n.has("activation")) {
          d.activation((Activation) layer(n.get("activation")));
        }
        yield d;
      }
      case "ReLU" -> new ReLU();
      case "LeakyReLU" -> new LeakyReLU(n.get("alpha").asDouble());
      case "Sigmoid" -> new Sigmoid();
      case "Tanh" -> new Tanh();
      case "Softmax" -> new Softmax();
      case "GELU" -> new GELU();
      case "Dropout" -> Dropout.of(n.get("rate").asDouble());
      case "Flatten" -> Flatten.of();
      case "LayerNorm" -> LayerNorm.of(n.get("eps").asDouble());
      case "BatchNorm1d" -> BatchNorm1d.of(n.get("eps").asDouble(), n.get("momentum").asDouble());
      case "Embedding" -> Embedding.of(n.get("vocab").asInt(), n.get("dim").asInt());
      case "PositionalEmbedding" -> PositionalEmbedding.of();
      case "MultiHeadAttention" -> {
        var a = MultiHeadAttention.of(n.get("heads").asInt());
        yield n.path("causal").asBoolean() ? a.causal() : a;
      }
      case "TransformerBlock" -> {
        var t = TransformerBlock.of(n.get("heads").asInt(), n.get("hidden").asInt());
        yield n.path("causal").asBoolean() ? t.causal() : t;
      }
      default -> throw new IllegalArgumentException("Models.load: unknown layer type '" + type + "'");
    };
  }
}
