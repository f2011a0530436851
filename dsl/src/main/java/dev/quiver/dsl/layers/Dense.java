package dev.quiver.dsl.layers;

import dev.quiver.dsl.HasOutputHead;
import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Module;
import dev.quiver.dsl.OutputHead;
import dev.quiver.dsl.Param;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.Tensor;

/**
 * A fully connected layer, {@code y = act(x W + b)} with W of shape [in, units]: Keras' Dense,
 * PyTorch's Linear plus an optional activation. It acts on the last axis, so [batch, seq, in]
 * becomes [batch, seq, units].
 *
 * <pre>{@code
 * Dense.of(10).relu()               // input width found on the first batch
 * Dense.of(3).input(4).softmax()    // or fixed up front
 * Dense.of(1).init(Init.zeros()).noBias()
 * }</pre>
 *
 * <p>Weights start He-normal before ReLU-like activations and Glorot-uniform otherwise, unless
 * {@link #init} says else; biases start at zero.
 */
public final class Dense extends Module implements HasOutputHead, Saveable<Dense.Config> {
  private final long units;
  private Activation activation;
  private Init init;
  private boolean useBias = true;
  private Param weight;
  private Param bias;

  /** What a saved model holds of a Dense layer; {@code activation} is null for none. */
  public record Config(long units, boolean bias, Activation activation) implements LayerConfig {
    @Override
    public Dense create() {
      Dense d = Dense.of(units);
      if (!bias) {
        d.noBias();
      }
      return activation == null ? d : d.activation(activation);
    }
  }

  private Dense(long units) {
    if (units <= 0) {
      throw new IllegalArgumentException("Dense: units must be positive, got " + units);
    }
    this.units = units;
  }

  public static Dense of(long units) {
    return new Dense(units);
  }

  public Dense relu() {
    return activation(new ReLU());
  }

  public Dense leakyRelu(double alpha) {
    return activation(new LeakyReLU(alpha));
  }

  public Dense sigmoid() {
    return activation(new Sigmoid());
  }

  public Dense tanh() {
    return activation(new Tanh());
  }

  public Dense softmax() {
    return activation(new Softmax());
  }

  public Dense gelu() {
    return activation(new GELU());
  }

  /** Any activation layer after the affine map. */
  public Dense activation(Activation a) {
    checkNotBuilt("activation");
    this.activation = a;
    return this;
  }

  /** The weight initializer (the bias always starts at zero). */
  public Dense init(Init i) {
    checkNotBuilt("init");
    this.init = i;
    return this;
  }

  public Dense noBias() {
    checkNotBuilt("noBias");
    this.useBias = false;
    return this;
  }

  /** Fixes the input width; the weights are created on first need (seed may still follow). */
  public Dense input(long width) {
    declareInput(new long[] {width});
    return this;
  }

  @Override
  public Dense seed(long s) {
    super.seed(s);
    return this;
  }

  public long units() {
    return units;
  }

  public boolean hasBias() {
    return useBias;
  }

  /** W, [in, units]; null before the layer is built. */
  public Param weight() {
    isBuilt();
    return weight;
  }

  /** b, [units]; null without bias or before the layer is built. */
  public Param bias() {
    isBuilt();
    return bias;
  }

  public Activation activation() {
    return activation;
  }

  @Override
  public Config config() {
    return new Config(units, useBias, activation);
  }

  private void checkNotBuilt(String what) {
    if (weight != null) {
      throw new IllegalStateException(
          describe() + "." + what + ": the layer is already built; configure it before use");
    }
  }

  @Override
  protected long[] onBuild(long[] sampleShape) {
    if (sampleShape.length == 0) {
      throw new IllegalArgumentException(
          describe() + ": expects inputs [batch, features], got a batch of scalars");
    }
    // The affine map acts on the last axis; any axes between batch and features (a sequence) are
    // kept.
    long in = sampleShape[sampleShape.length - 1];
    Init w = init != null ? init : activation != null ? activation.preferredInit() : Init.xavier();
    weight = Param.of(w.create(new long[] {in, units}, in, units, nextSeed()));
    if (useBias) {
      bias = Param.of(Tensor.zeros(units));
    }
    long[] out = sampleShape.clone();
    out[out.length - 1] = units;
    if (activation != null) {
      activation.build(out);
    }
    return out;
  }

  /** Acts on the last axis: any sizes before it (a sequence of any length), the same width. */
  @Override
  protected boolean accepts(long[] sample, long[] builtFor) {
    return sample.length == builtFor.length
        && (sample.length == 0 || sample[sample.length - 1] == builtFor[builtFor.length - 1]);
  }

  @Override
  protected Tensor forward(Tensor x) {
    Tensor z = linear(x);
    return activation == null ? z : activation.apply(z);
  }

  private Tensor linear(Tensor x) {
    Tensor z = x.matmul(weight.value());
    return bias == null ? z : z.add(bias.value());
  }

  @Override
  public OutputHead head() {
    return activation == null ? OutputHead.NONE : OutputHead.of(activation);
  }

  @Override
  public Tensor applyBeforeHead(Tensor x) {
    if (head() == OutputHead.NONE) {
      return apply(x);
    }
    ensureBuilt(x);
    return linear(x);
  }
}
