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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Saving and loading models: the architecture of a {@link Sequential} as JSON, and the weights
 * (parameters and buffers) as exact float32 bits, so a loaded model predicts bit for bit what the
 * saved one did.
 *
 * <pre>{@code
 * Models.save(model, Path.of("iris.quiver.json"));
 * var again = Models.load(Path.of("iris.quiver.json"));
 * }</pre>
 *
 * The weights are stored inside the JSON (base64 of little-endian float32) until the runtime's
 * Arrow IPC tensor file is available, when they move to a {@code .arrow} file beside it. A
 * free-form {@link Module} has no architecture to write: save and load its weights with
 * {@link #saveWeights} and {@link #loadWeights} into an instance you construct.
 */
public final class Models {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int VERSION = 1;

  private Models() {}

  public static void save(Sequential model, Path file) {
    if (!model.isBuilt()) {
      throw new IllegalStateException("Models.save: the model is not built; call .input(n) or train it first");
    }
    ObjectNode root = JSON.createObjectNode();
    root.put("format", "quiver-model").put("version", VERSION);
    ArrayNode input = root.putArray("input");
    for (long s : model.inputShape()) {
      input.add(s);
    }
    ArrayNode layers = root.putArray("layers");
    for (Module m : model.layers()) {
      layers.add(spec(m));
    }
    root.set("weights", weightsNode(model));
    write(root, file);
  }

  public static Sequential load(Path file) {
    JsonNode root = read(file);
    if (!"quiver-model".equals(root.path("format").asText()) || !root.has("layers")) {
      throw new IllegalArgumentException("Models.load: " + file + " is not a saved Sequential model (format "
          + root.path("format").asText("missing") + "); for weights alone use loadWeights");
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
    model.loadWeights(weights(root.get("weights"), file));
    return model;
  }

  /** Writes only the weights (parameters and buffers) of any module. */
  public static void saveWeights(Module model, Path file) {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", "quiver-weights").put("version", VERSION);
    root.set("weights", weightsNode(model));
    write(root, file);
  }

  /** Loads weights saved by {@link #saveWeights} (or {@link #save}) into a built module of the same structure. */
  public static void loadWeights(Module model, Path file) {
    model.loadWeights(weights(read(file).get("weights"), file));
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

  // ---------------------------------------------------------------- weights <-> JSON

  private static ObjectNode weightsNode(Module model) {
    ObjectNode w = JSON.createObjectNode();
    model.weights().forEach((name, values) -> {
      ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(values);
      w.put(name, Base64.getEncoder().encodeToString(b.array()));
    });
    return w;
  }

  private static Map<String, float[]> weights(JsonNode node, Path file) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("Models: " + file + " has no weights");
    }
    var out = new LinkedHashMap<String, float[]>();
    node.properties().forEach(e -> {
      byte[] bytes = Base64.getDecoder().decode(e.getValue().asText());
      float[] v = new float[bytes.length / 4];
      ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
      out.put(e.getKey(), v);
    });
    return out;
  }

  private static void write(ObjectNode root, Path file) {
    try {
      JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
    } catch (IOException e) {
      throw new UncheckedIOException("Models: cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private static JsonNode read(Path file) {
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("Models: cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
