package dev.quiver.dsl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import dev.quiver.runtime.io.TensorFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Saving and loading models: a directory with the architecture of a {@link Sequential} as JSON
 * ({@code model.json}) and the weights, parameters and buffers, as an Arrow IPC file in the
 * runtime's fixed-shape tensor format ({@code weights.arrow}, readable by pyarrow). Values are
 * stored exactly, so a loaded model predicts bit for bit what the saved one did.
 *
 * <pre>{@code
 * model.save(Path.of("iris-model"));             // or Models.save(model, dir)
 * var again = Models.load(Path.of("iris-model"));
 * var mine = Models.load(dir, Scale.class);     // a model holding layers of your own classes
 * }</pre>
 *
 * <p>Each layer is written as its class's simple name, its name and the components of the config
 * record it declares ({@link Saveable}, {@link LayerConfig}); this class knows no layer type.
 * Loading resolves built-in layers by name and the caller's own layer classes among those passed,
 * and fails naming the value on anything else: an unknown type, a class that is not a layer, a
 * missing or mistyped field.
 *
 * <p>A free-form {@link Model} has no architecture to write: save and load its weights with {@link
 * #saveWeights} and {@link #loadWeights} into an instance you construct.
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
      throw new IllegalStateException(
          "Models.save: the model is not built; call .input(n) or train it first");
    }
    ObjectNode root = architectureNode(model);
    try {
      Files.createDirectories(dir);
      JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(ARCHITECTURE).toFile(), root);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Models.save: cannot write " + dir.resolve(ARCHITECTURE) + ": " + e.getMessage(), e);
    }
    saveWeights(model, dir.resolve(WEIGHTS));
  }

  private static ObjectNode architectureNode(Sequential model) {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", "quiver-model").put("version", VERSION).put("weights", WEIGHTS);
    ArrayNode input = root.putArray("input");
    for (long s : model.inputShape()) {
      input.add(s);
    }
    ArrayNode layers = root.putArray("layers");
    for (Module m : model.layers()) {
      layers.add(LayerJson.write(m));
    }
    return root;
  }

  /**
   * The architecture of a built model as the JSON text of {@code model.json}, without weights:
   * distributed training sends it to the machines that hold replicas (see {@link
   * #fromArchitecture}).
   */
  public static String architecture(Sequential model) {
    if (!model.isBuilt()) {
      throw new IllegalStateException(
          "Models.architecture: the model is not built; call .input(n) or train it first");
    }
    return architectureNode(model).toString();
  }

  /**
   * A new built model of the architecture {@link #architecture} wrote, with freshly initialized
   * weights; layers of your own classes are found among {@code ownLayers} as in {@link #load}.
   */
  @SafeVarargs
  public static Sequential fromArchitecture(String json, Class<? extends Module>... ownLayers) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("Models.fromArchitecture: not JSON: " + e.getMessage(), e);
    }
    return layersOf(root, "the architecture", new LayerTypes(List.of(ownLayers)));
  }

  /**
   * Rebuilds a model saved by {@link #save} from its directory. Layers of your own classes are
   * found among {@code ownLayers} by their simple names (they win over a built-in layer of the same
   * name); nothing else the file names is ever loaded.
   */
  @SafeVarargs
  public static Sequential load(Path dir, Class<? extends Module>... ownLayers) {
    var types = new LayerTypes(List.of(ownLayers));
    Path file = dir.resolve(ARCHITECTURE);
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("Models.load: cannot read " + file + ": " + e.getMessage(), e);
    }
    Sequential model = layersOf(root, file, types);
    loadWeights(model, dir.resolve(weightsFile(root.get("weights"), file)));
    return model;
  }

  /**
   * The built model the JSON names (its weights as initialized); {@code file} names it in errors.
   */
  private static Sequential layersOf(JsonNode root, Object file, LayerTypes types) {
    if (root == null
        || !"quiver-model".equals(root.path("format").asText())
        || !root.path("layers").isArray()) {
      throw new IllegalArgumentException(
          "Models.load: "
              + file
              + " is not a saved Sequential model (format "
              + (root == null ? "missing" : root.path("format").asText("missing"))
              + ")");
    }
    if (!root.path("version").canConvertToInt() || root.path("version").intValue() > VERSION) {
      throw new IllegalArgumentException(
          "Models.load: "
              + file
              + " has version "
              + root.path("version")
              + "; this Quiver reads version "
              + VERSION
              + " and older");
    }
    var model = Sequential.of();
    int index = 0;
    for (JsonNode l : root.get("layers")) {
      try {
        model.add(LayerJson.read(l, "layer " + index++, types));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("Models.load: " + file + ": " + e.getMessage(), e);
      }
    }
    long[] input = inputShape(root.get("input"), file);
    try {
      model.build(input);
    } catch (IllegalArgumentException e) {
      // e.g. sizes too big to allocate, refused before allocating: say which file asked for them
      throw new IllegalArgumentException(
          "Models.load: " + file + ": building " + model.describe() + ": " + e.getMessage(), e);
    }
    return model;
  }

  private static long[] inputShape(JsonNode input, Object file) {
    if (input == null || !input.isArray() || input.isEmpty()) {
      throw new IllegalArgumentException(
          "Models.load: "
              + file
              + ": \"input\" must be the per-sample input shape, "
              + "an array of positive whole numbers such as [4], got "
              + input);
    }
    long[] shape = new long[input.size()];
    for (int i = 0; i < shape.length; i++) {
      JsonNode s = input.get(i);
      if (!s.isIntegralNumber() || !s.canConvertToLong() || s.longValue() <= 0) {
        throw new IllegalArgumentException(
            "Models.load: " + file + ": \"input\" must hold positive whole numbers, got " + input);
      }
      shape[i] = s.longValue();
    }
    return shape;
  }

  /** The weights' file name: a plain name inside the model's directory, never a path out of it. */
  private static String weightsFile(JsonNode weights, Path file) {
    if (weights == null) {
      return WEIGHTS;
    }
    String name = weights.asText("");
    if (!weights.isTextual()
        || name.isEmpty()
        || name.contains("/")
        || name.contains("\\")
        || name.equals("..")
        || name.equals(".")) {
      throw new IllegalArgumentException(
          "Models.load: "
              + file
              + ": \"weights\" must name a file beside model.json, "
              + "got "
              + weights);
    }
    return name;
  }

  /**
   * Writes the parameters and buffers of any built module, by dotted name, as an Arrow IPC tensor
   * file.
   */
  public static void saveWeights(Module model, Path file) {
    var tensors = new LinkedHashMap<String, Tensor>();
    model.namedParams().forEach((n, p) -> tensors.put(n, p.value().detach()));
    tensors.putAll(model.namedBuffers());
    try {
      TensorFile.save(file, tensors);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Models.saveWeights: cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Loads weights saved by {@link #saveWeights} (or {@link #save}) into a built module of the same
   * structure.
   */
  public static void loadWeights(Module model, Path file) {
    Map<String, Tensor> saved;
    try {
      saved = TensorFile.load(file);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Models.loadWeights: cannot read " + file + ": " + e.getMessage(), e);
    }
    var mine = new LinkedHashMap<String, Tensor>();
    model.namedParams().forEach((n, p) -> mine.put(n, p.value()));
    mine.putAll(model.namedBuffers());
    if (!mine.keySet().equals(saved.keySet())) {
      throw new IllegalArgumentException(
          "Models.loadWeights: "
              + file
              + " holds "
              + saved.keySet()
              + " but "
              + model.describe()
              + " has "
              + mine.keySet());
    }
    try (var ignored = Autograd.noGrad()) {
      for (var e : mine.entrySet()) {
        Tensor from = saved.get(e.getKey());
        Tensor to = e.getValue();
        if (!Arrays.equals(from.shape(), to.shape())) {
          throw new IllegalArgumentException(
              "Models.loadWeights: "
                  + e.getKey()
                  + " has shape "
                  + from.shapeString()
                  + " in "
                  + file
                  + " but "
                  + to.shapeString()
                  + " in the model");
        }
        // The file loads onto the default device; the model may live elsewhere.
        to.copyFrom((from.dtype() == to.dtype() ? from : from.to(to.dtype())).to(to.device()));
      }
    }
  }
}
