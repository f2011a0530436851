package dev.quiver.dsl;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Layers applied one after another: the model of most notebooks, and the entry point of the DSL.
 *
 * <p>The classic Keras Iris classifier (4 -> 10 relu -> 8 relu -> 3 softmax, Adam, sparse
 * categorical cross-entropy, 100 epochs, 80/20 split with seed 42):
 *
 * <pre>{@code
 * import dev.quiver.dsl.*; import dev.quiver.dsl.layers.*; import dev.quiver.dsl.data.*;
 * import dev.quiver.dsl.loss.*; import dev.quiver.dsl.optim.*; import dev.quiver.dsl.metrics.*;
 * import dev.quiver.dsl.train.*;
 *
 * var iris = Datasets.iris().split(0.8, 42).standardize();
 * var model = Sequential.of(
 *     Dense.of(10).relu(),
 *     Dense.of(8).relu(),
 *     Dense.of(3).softmax()).input(4).seed(42);
 * var history = model.fit(iris.train(), Fit.epochs(100).batch(16)
 *     .optimizer(Adam.lr(0.01)).loss(Loss.crossEntropy()).metrics(Metric.accuracy()));
 * model.evaluate(iris.test());          // loss 0.0179, accuracy 1.0000
 * model.summary();                      // the layer table, as in Keras
 * }</pre>
 *
 * <p>Input sizes are inferred on the first batch, or fixed up front with {@link #input}, so that
 * {@link #summary()} shows shapes before training and a wrong width fails before the first step.
 * The layers are created on first need, so {@code seed(...)} may come before or after {@code
 * input(...)}.
 *
 * <p>A Sequential is a {@link Model}: it trains, evaluates, predicts and saves. Its output head is
 * that of its last layer, so a loss can train it on the logits before a final softmax or sigmoid.
 */
public final class Sequential extends Model implements HasOutputHead {
  private final List<Module> layers = new ArrayList<>();
  private final Map<String, Integer> namesUsed = new HashMap<>();

  private Sequential() {}

  public static Sequential of(Module... layers) {
    var s = new Sequential();
    for (Module m : layers) {
      s.add(m);
    }
    return s;
  }

  /**
   * Appends a layer; it gets a unique Keras-style name ({@code dense}, {@code dense_1}, ...) unless
   * renamed.
   */
  public Sequential add(Module layer) {
    if (inputShape() != null) {
      throw new IllegalStateException(
          "Sequential.add: the model is already built; add layers before the first call");
    }
    String base = layer.name();
    int n = namesUsed.merge(base, 1, Integer::sum);
    if (n > 1) {
      layer.named(base + "_" + (n - 1));
    }
    layers.add(layer);
    return this;
  }

  /**
   * Fixes the per-sample input shape (e.g. 4 features) so that summaries show shapes before
   * training; the layers are created on first need, so {@link #seed} may come before or after.
   */
  public Sequential input(long... sampleShape) {
    declareInput(sampleShape);
    return this;
  }

  @Override
  public Sequential seed(long s) {
    super.seed(s);
    return this;
  }

  @Override
  public Sequential named(String newName) {
    super.named(newName);
    return this;
  }

  @Override
  public Sequential train() {
    super.train();
    return this;
  }

  @Override
  public Sequential eval() {
    super.eval();
    return this;
  }

  @Override
  public Sequential to(DType dtype) {
    super.to(dtype);
    return this;
  }

  /** Moves the parameters to {@code target}; see {@link Module#to(Device)}. */
  @Override
  public Sequential to(Device target) {
    super.to(target);
    return this;
  }

  /**
   * Writes {@code dir/model.json} (the layers' configs) and {@code dir/weights.arrow}; see {@link
   * Models#save}.
   */
  @Override
  public void save(Path dir) {
    Models.save(this, dir);
  }

  /** The layers, built first if the input shape was declared. */
  public List<Module> layers() {
    isBuilt();
    return List.copyOf(layers);
  }

  /** A layer by position, built first if the input shape was declared. */
  public Module layer(int index) {
    isBuilt();
    return layers.get(index);
  }

  @Override
  public Map<String, Module> children() {
    var out = new LinkedHashMap<String, Module>();
    for (Module m : layers) {
      out.put(m.name(), m);
    }
    return out;
  }

  @Override
  protected long[] onBuild(long[] sampleShape) {
    if (layers.isEmpty()) {
      throw new IllegalStateException(
          "Sequential: no layers; use Sequential.of(Dense.of(10), ...)");
    }
    long[] shape = sampleShape;
    for (Module m : layers) {
      m.build(shape);
      shape = m.outputShape();
    }
    return shape;
  }

  @Override
  protected Tensor forward(Tensor x) {
    Tensor h = x;
    for (Module m : layers) {
      h = m.apply(h);
    }
    return h;
  }

  @Override
  protected boolean checksOwnInput() {
    return false;
  }

  @Override
  public OutputHead head() {
    return layers.isEmpty() ? OutputHead.NONE : OutputHead.of(layers.getLast());
  }

  @Override
  public Tensor applyBeforeHead(Tensor x) {
    if (!isBuilt()) {
      build(Arrays.copyOfRange(x.shape(), 1, x.dim()));
    }
    Tensor h = x;
    for (int i = 0; i < layers.size() - 1; i++) {
      h = layers.get(i).apply(h);
    }
    Module last = layers.getLast();
    return last instanceof HasOutputHead headed ? headed.applyBeforeHead(h) : last.apply(h);
  }
}
