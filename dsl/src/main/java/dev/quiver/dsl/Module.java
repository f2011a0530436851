package dev.quiver.dsl;

import dev.quiver.display.Displayable;
import dev.quiver.display.MimeBundle;
import dev.quiver.runtime.DType;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import dev.quiver.runtime.backend.Devices;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A piece of a network: a function of a tensor with parameters, like PyTorch's {@code nn.Module}
 * and Keras' {@code Layer}. A module builds, computes ({@link #apply}), holds parameters and
 * sub-modules, and has a mode (train/eval), a device, a seed and a name; it does not train.
 * Training, evaluation, prediction and saving belong to a {@link Model}, which is a module too.
 *
 * <p>A layer of your own is a subclass that composes layers and raw tensor ops; a free-form model
 * is the same written as a subclass of {@link Model}, so that it can be fit:
 *
 * <pre>{@code
 * class TwoLayer extends Model {
 *   Dense hidden = Dense.of(16).tanh();
 *   Dense out = Dense.of(1);
 *   Tensor scale = Tensor.scalar(1).requiresGrad();     // a raw parameter works too
 *   protected Tensor forward(Tensor x) { return out.apply(hidden.apply(x)).mul(scale); }
 * }
 * var model = new TwoLayer().seed(7);
 * model.fit(data, Fit.epochs(200).optimizer(Adam.lr(0.01)).loss(Loss.mse()));
 * }</pre>
 *
 * <p>Parameters and sub-modules are found automatically from the fields: {@link Param} fields,
 * {@code Tensor} fields that require grad, {@code Module} fields, lists or arrays of modules, maps
 * of {@link Param}s named by their keys (torch's {@code weight_ih_l0}). A layer that should be
 * saved in a model's architecture declares its config ({@link Saveable}).
 *
 * <p>Layers build lazily: the first {@link #apply} (or {@link #build}) fixes the input shape and
 * creates the parameters; later calls check that the shape is the same, so a wrong width fails with
 * the layer's name and both sizes instead of deep inside a matmul.
 */
public abstract class Module implements Displayable {
  private String name;
  private Long seed;
  private SplittableRandom random;
  private boolean training = true;
  private long[] inputShape;
  private long[] outputShape;
  // Set by input(...): the shape to build for on first need, so that seed(...) may still follow.
  private long[] declaredInput;
  // Chosen by to(Device); null: the parameters stay where they were made (the default device).
  private Device device;

  /** The computation, on a batch whose first axis is the batch. Call {@link #apply}, not this. */
  protected abstract Tensor forward(Tensor x);

  /**
   * Creates parameters for a per-sample input shape; returns the per-sample output shape. The
   * default runs {@link #forward} once on a zero batch of one, which suits any module whose
   * children build lazily; layers override it to create their weights without computing.
   */
  protected long[] onBuild(long[] sampleShape) {
    long[] batch = prepend(1, sampleShape);
    try (var ignored = Autograd.noGrad()) {
      Tensor y =
          forward(
              Tensor.zeros(device != null ? device : Devices.getDefault(), DType.FLOAT32, batch));
      long[] s = y.shape();
      return Arrays.copyOfRange(s, 1, s.length);
    }
  }

  /**
   * Runs the module on a batch: builds it on first use, checks the shape, records the output for
   * NaN tracing.
   */
  public final Tensor apply(Tensor x) {
    ensureBuilt(x);
    Tensor y = forward(x);
    ForwardTrace.record(this, y);
    return y;
  }

  /**
   * Builds this module for the batch's per-sample shape on first use; afterwards checks that shape.
   */
  protected final void ensureBuilt(Tensor x) {
    if (x.dim() == 0) {
      throw new IllegalArgumentException(
          describe() + ": input is a scalar; layers take a batch [batch, ...]");
    }
    long[] sample = Arrays.copyOfRange(x.shape(), 1, x.dim());
    buildDeclared();
    if (inputShape == null) {
      build(sample);
      if (device == null && !x.device().equals(Devices.getDefault())) {
        // Built by its first batch: the parameters go where that batch lives.
        placeParams(x.device());
      }
    } else if (checksOwnInput() && !accepts(sample, inputShape)) {
      throw new IllegalArgumentException(shapeMismatch(sample, x));
    }
  }

  /**
   * Whether a module built for per-sample shape {@code builtFor} takes {@code sample}: by default
   * the same shape; layers on the last axis or on any shape take sequences of any length.
   */
  protected boolean accepts(long[] sample, long[] builtFor) {
    return Arrays.equals(sample, builtFor);
  }

  /**
   * Whether a built module rejects inputs of another shape itself. Containers answer false and
   * leave it to their first layer, whose error names the layer that really has the width.
   */
  protected boolean checksOwnInput() {
    return true;
  }

  /**
   * Declares the per-sample input shape; the parameters are created on first need (a summary, the
   * parameter list, a batch). Unlike {@link #build} it can be followed by {@link #seed}.
   */
  protected void declareInput(long[] sampleShape) {
    if (inputShape != null && !Arrays.equals(inputShape, sampleShape)) {
      throw new IllegalStateException(
          describe()
              + ": already built for input "
              + Arrays.toString(inputShape)
              + ", cannot declare input "
              + Arrays.toString(sampleShape));
    }
    declaredInput = sampleShape.clone();
  }

  /** Builds now if an input shape was declared and the module is not built yet. */
  private void buildDeclared() {
    if (inputShape == null && declaredInput != null) {
      build(declaredInput);
    }
  }

  /**
   * Builds for a per-sample input shape (e.g. {@code build(4)} for 4 features) and returns this.
   */
  public Module build(long... sampleShape) {
    if (inputShape == null && declaredInput != null && !Arrays.equals(declaredInput, sampleShape)) {
      throw new IllegalArgumentException(
          describe()
              + ": declared with input "
              + Arrays.toString(declaredInput)
              + " but given inputs of per-sample shape "
              + Arrays.toString(sampleShape)
              + (declaredInput.length == 1 && sampleShape.length == 1
                  ? " (width " + declaredInput[0] + " vs " + sampleShape[0] + ")"
                  : ""));
    }
    if (inputShape != null) {
      if (!Arrays.equals(inputShape, sampleShape)) {
        throw new IllegalArgumentException(
            describe()
                + ": built for input "
                + Arrays.toString(inputShape)
                + ", given inputs of per-sample shape "
                + Arrays.toString(sampleShape)
                + (inputShape.length == 1 && sampleShape.length == 1
                    ? " (width " + inputShape[0] + " vs " + sampleShape[0] + ")"
                    : ""));
      }
      return this;
    }
    long[] in = sampleShape.clone();
    long[] out = onBuild(in);
    inputShape = in;
    outputShape = out;
    if (device != null) {
      placeParams(device);
    }
    return this;
  }

  private String shapeMismatch(long[] sample, Tensor x) {
    if (sample.length == 1 && inputShape.length == 1) {
      return describe()
          + ": expects inputs of width "
          + inputShape[0]
          + ", got shape "
          + x.shapeString()
          + " (width "
          + sample[0]
          + ")";
    }
    return describe()
        + ": expects per-sample shape "
        + Arrays.toString(inputShape)
        + ", got batch shape "
        + x.shapeString();
  }

  /** True once the input shape is known and the parameters exist. */
  public boolean isBuilt() {
    buildDeclared();
    return inputShape != null;
  }

  /** Per-sample input shape, or {@code null} before the first call. */
  public long[] inputShape() {
    buildDeclared();
    return inputShape == null ? null : inputShape.clone();
  }

  /** Per-sample output shape, or {@code null} before the first call. */
  public long[] outputShape() {
    buildDeclared();
    return outputShape == null ? null : outputShape.clone();
  }

  // ---------------------------------------------------------------- naming, seeding, modes

  /** The layer's name in summaries and errors; defaults to its class in snake case. */
  public String name() {
    return name != null ? name : snake(getClass().getSimpleName());
  }

  /** Renames this module; returns this. */
  public Module named(String newName) {
    this.name = newName;
    return this;
  }

  /** {@code "dense_1 (Dense)"}: how errors name a layer. */
  public String describe() {
    String type = getClass().getSimpleName().isEmpty() ? "Module" : getClass().getSimpleName();
    return name() + " (" + type + ")";
  }

  /**
   * Fixes the random seed of initialisation (and dropout masks) of this module and, derived from
   * it, of every child; returns this. Without a seed, modules draw one from the runtime's global
   * generator, so {@code Tensor.manualSeed(...)} makes a whole notebook reproducible.
   */
  public Module seed(long s) {
    if (inputShape != null && !ownParams().isEmpty()) {
      throw new IllegalStateException(
          describe()
              + ": seed("
              + s
              + ") comes after the parameters were created and "
              + "would not change them; call seed(...) before the first batch (it may follow input(...))");
    }
    this.seed = s;
    this.random = null;
    var r = new SplittableRandom(s);
    for (Module child : children().values()) {
      child.seed(r.nextLong());
    }
    return this;
  }

  /** This module's random generator, created from its seed on first use. */
  protected SplittableRandom random() {
    if (random == null) {
      random = new SplittableRandom(seed != null ? seed : globalSeed());
    }
    return random;
  }

  private static long globalSeed() {
    // Draws from the runtime's generator so that Tensor.manualSeed governs the DSL as well.
    float[] u = Tensor.rand(2).toFloatArray();
    return Float.floatToIntBits(u[0]) * 0x9E3779B97F4A7C15L ^ Float.floatToIntBits(u[1]);
  }

  /** Training mode (dropout active, batch statistics); the default. Applies to all children. */
  public Module train() {
    return mode(true);
  }

  /** Inference mode. Applies to all children. */
  public Module eval() {
    return mode(false);
  }

  Module mode(boolean on) {
    training = on;
    for (Module child : children().values()) {
      child.mode(on);
    }
    return this;
  }

  public boolean isTraining() {
    return training;
  }

  // ---------------------------------------------------------------- parameters and children

  /**
   * Sub-modules by field name (lists get {@code name.0}, {@code name.1}, ...), in declaration
   * order.
   */
  public Map<String, Module> children() {
    var out = new LinkedHashMap<String, Module>();
    for (Field f : fields()) {
      Object v = read(f);
      if (v instanceof Module m) {
        out.put(f.getName(), m);
      } else if (v instanceof Collection<?> c) {
        int i = 0;
        for (Object o : c) {
          if (o instanceof Module m) {
            out.put(f.getName() + "." + i, m);
          }
          i++;
        }
      } else if (v instanceof Module[] arr) {
        for (int i = 0; i < arr.length; i++) {
          if (arr[i] != null) {
            out.put(f.getName() + "." + i, arr[i]);
          }
        }
      }
    }
    return out;
  }

  /** This module's own parameters (not its children's), by name. */
  Map<String, Param> ownParams() {
    var out = new LinkedHashMap<String, Param>();
    for (Field f : fields()) {
      Object v = read(f);
      if (v instanceof Param p) {
        out.put(f.getName(), p);
      } else if (v instanceof Map<?, ?> named) {
        for (var e : named.entrySet()) {
          if (e.getKey() instanceof String key && e.getValue() instanceof Param p) {
            out.put(key, p);
          }
        }
      } else if (v instanceof Tensor t && t.isGradRequired() && t.isLeaf()) {
        out.put(f.getName(), Param.ofField(this, f));
      }
    }
    return out;
  }

  /**
   * Every parameter of this module and its children, with dotted names ({@code dense_1.weight}).
   */
  public Map<String, Param> namedParams() {
    buildDeclared();
    var out = new LinkedHashMap<String, Param>();
    ownParams().forEach(out::put);
    children()
        .forEach(
            (childName, child) ->
                child.namedParams().forEach((n, p) -> out.put(childName + "." + n, p)));
    return out;
  }

  /** The trainable tensors, for optimizers. Empty until the module is built. */
  public List<Tensor> parameters() {
    var out = new ArrayList<Tensor>();
    for (Param p : namedParams().values()) {
      out.add(p.value());
    }
    return out;
  }

  /** Total number of trainable values. */
  public long countParams() {
    long n = 0;
    for (Param p : namedParams().values()) {
      n += p.numel();
    }
    return n;
  }

  /** Sets every parameter's gradient to zero (buffers are kept for reuse). */
  public void zeroGrad() {
    for (Tensor p : parameters()) {
      p.zeroGrad();
    }
  }

  /**
   * Converts every parameter to {@code dtype} (e.g. float64 for a gradient check); returns this.
   * Optimizer state attached to the old tensors is not carried over.
   */
  public Module to(DType dtype) {
    if (!isBuilt()) {
      throw new IllegalStateException(
          describe() + ".to(" + dtype + "): build the module first (build(shape) or .input(n))");
    }
    try (var ignored = Autograd.noGrad()) {
      for (Param p : namedParams().values()) {
        if (p.value().dtype() != dtype) {
          p.set(Param.persistent(p.value().to(dtype)).requiresGrad());
        }
      }
    }
    return this;
  }

  /**
   * Moves every parameter to {@code target} (e.g. {@code Device.cuda()}) and makes it the device
   * this module and its children build on, compute on and train on; returns this. The {@link Param}
   * holders stay the same, their tensors are replaced, so optimizer state of the old tensors is not
   * carried over: {@code fit} re-attaches its optimizer, and an optimizer used by hand needs {@code
   * opt.on(model.parameters())} again. Fails, naming the reason, when the device is not usable.
   */
  public Module to(Device target) {
    if (target == null) {
      throw new IllegalArgumentException(
          describe() + ".to: device is null; use Device.CPU for the CPU");
    }
    // Fails here, with the runtime's reason (no GPU, no driver), rather than at the first batch.
    Devices.require(target);
    chooseDevice(target);
    // Also before the build: raw tensor fields exist from construction, and the build's own forward
    // pass meets them.
    placeParams(target);
    return this;
  }

  private void chooseDevice(Device target) {
    device = target;
    for (Module child : children().values()) {
      child.chooseDevice(target);
    }
  }

  /**
   * Where this module computes: the device chosen with {@link #to(Device)}, else that of its
   * parameters, else (nothing built yet) the default device.
   */
  public Device device() {
    if (device != null) {
      return device;
    }
    for (Param p : namedParams().values()) {
      return p.value().device();
    }
    return Devices.getDefault();
  }

  private void placeParams(Device target) {
    try (var ignored = Autograd.noGrad()) {
      for (Param p : namedParams().values()) {
        if (!p.value().device().equals(target)) {
          p.set(Param.persistent(p.value().to(target)).requiresGrad());
        }
      }
    }
  }

  /**
   * This module's own non-trainable state (running statistics), by name; layers that have some
   * override this.
   */
  protected Map<String, Tensor> ownBuffers() {
    return Map.of();
  }

  /** Non-trainable state of this module and its children, with dotted names. */
  public Map<String, Tensor> namedBuffers() {
    buildDeclared();
    var out = new LinkedHashMap<String, Tensor>(ownBuffers());
    children()
        .forEach(
            (childName, child) ->
                child.namedBuffers().forEach((n, b) -> out.put(childName + "." + n, b)));
    return out;
  }

  /**
   * A copy of every parameter's and buffer's values, by name: a checkpoint to {@link #loadWeights}
   * later (the best-weights callback and saved models use it).
   */
  public Map<String, float[]> weights() {
    var out = new LinkedHashMap<String, float[]>();
    namedParams().forEach((n, p) -> out.put(n, p.value().toFloatArray()));
    namedBuffers().forEach((n, b) -> out.put(n, b.toFloatArray()));
    return out;
  }

  /** Writes values saved by {@link #weights()} back into the parameters and buffers. */
  public void loadWeights(Map<String, float[]> saved) {
    Map<String, Tensor> mine = new LinkedHashMap<>();
    namedParams().forEach((n, p) -> mine.put(n, p.value()));
    mine.putAll(namedBuffers());
    for (var e : saved.entrySet()) {
      Tensor v = mine.get(e.getKey());
      if (v == null) {
        throw new IllegalArgumentException(
            "loadWeights: this model has no parameter " + e.getKey() + "; it has " + mine.keySet());
      }
      if (v.numel() != e.getValue().length) {
        throw new IllegalArgumentException(
            "loadWeights: "
                + e.getKey()
                + " has "
                + v.numel()
                + " values, the saved one "
                + e.getValue().length);
      }
      try (var ignored = Autograd.noGrad()) {
        v.copyFrom(Tensor.of(e.getValue(), v.shape()).to(v.dtype()).to(v.device()));
      }
    }
  }

  private List<Field> fields() {
    return ModuleFields.of(getClass());
  }

  private Object read(Field f) {
    try {
      return f.get(this);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(describe() + ": cannot read field " + f.getName(), e);
    }
  }

  // ---------------------------------------------------------------- display

  /** A module shows as the table of its sub-modules and parameters ({@link Summary}). */
  @Override
  public MimeBundle toMimeBundle() {
    return Summary.of(this).toMimeBundle();
  }

  @Override
  public String toString() {
    return Summary.of(this).toString();
  }

  // ---------------------------------------------------------------- helpers for layers

  /** Seeds for parameter initialisation drawn from this module's generator. */
  protected long nextSeed() {
    return random().nextLong();
  }

  protected static long[] prepend(long first, long[] rest) {
    long[] out = new long[rest.length + 1];
    out[0] = first;
    System.arraycopy(rest, 0, out, 1, rest.length);
    return out;
  }

  static String snake(String camel) {
    if (camel.isEmpty()) {
      return "module";
    }
    var sb = new StringBuilder();
    for (int i = 0; i < camel.length(); i++) {
      char c = camel.charAt(i);
      boolean boundary =
          i > 0 && Character.isUpperCase(c) && !Character.isUpperCase(camel.charAt(i - 1));
      if (boundary) {
        sb.append('_');
      }
      sb.append(Character.toLowerCase(c));
    }
    return sb.toString();
  }
}
