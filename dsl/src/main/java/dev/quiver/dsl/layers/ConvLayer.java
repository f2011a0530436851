package dev.quiver.dsl.layers;

import dev.quiver.dsl.Module;
import dev.quiver.dsl.Param;
import dev.quiver.runtime.ConvOptions;
import dev.quiver.runtime.Tensor;
import java.util.Arrays;

/**
 * What {@link Conv1d}, {@link Conv2d} and {@link ConvTranspose2d} share: the channel count, the
 * kernel size, torch's settings (stride, padding or "same", dilation, groups), an optional bias and
 * activation, and lazy input shapes as {@link Dense} has. The weight is a parameter named {@code
 * weight} of torch's shape, the bias one named {@code bias} of shape {@code [out]}.
 *
 * <p>Weights start He-normal before ReLU-like activations and Glorot-uniform otherwise, unless
 * {@link #init} says else (fan-in: in/groups · kernel area); biases start at zero.
 *
 * @param <S> the layer's own type, which the settings return
 */
public abstract class ConvLayer<S extends ConvLayer<S>> extends Module {
  final long channels;
  final int[] kernel;
  ConvOptions options = ConvOptions.defaults();
  Activation activation;
  Init init;
  boolean useBias = true;
  private Param weight;
  private Param bias;

  ConvLayer(String type, long channels, int... kernel) {
    if (channels <= 0) {
      throw new IllegalArgumentException(
          type + ": the number of output channels must be positive, got " + channels);
    }
    for (int k : kernel) {
      if (k <= 0) {
        throw new IllegalArgumentException(
            type + ": the kernel size must be positive, got " + Arrays.toString(kernel));
      }
    }
    this.channels = channels;
    this.kernel = kernel.clone();
  }

  @SuppressWarnings("unchecked")
  private S self() {
    return (S) this;
  }

  /** The number of spatial axes: 1 for Conv1d, 2 for the 2-D layers. */
  abstract int spatialAxes();

  /** The weight's shape for {@code in} input channels (torch's layout). */
  abstract long[] weightShape(long in);

  /** The convolution itself. */
  abstract Tensor convolve(Tensor x, Tensor w, Tensor b);

  /** The layout named in errors: {@code [batch, C, H, W]}. */
  private String layout() {
    return spatialAxes() == 1 ? "[batch, channels, length]" : "[batch, channels, height, width]";
  }

  private S set(ConvOptions o) {
    checkNotBuilt("settings");
    options = o;
    return self();
  }

  public S stride(int s) {
    return set(options.stride(s));
  }

  public S stride(int h, int w) {
    return set(options.stride(h, w));
  }

  /** Zeros on every side ({@code p} rows and columns). */
  public S padding(int p) {
    return set(options.padding(p));
  }

  public S padding(int h, int w) {
    return set(options.padding(h, w));
  }

  /** torch's {@code padding="same"}: the output keeps the input's size (stride 1). */
  public S paddingSame() {
    return set(options.paddingSame());
  }

  public S dilation(int d) {
    return set(options.dilation(d));
  }

  /** Channels in {@code g} independent groups; as many groups as input channels is depthwise. */
  public S groups(int g) {
    return set(options.groups(g));
  }

  public S noBias() {
    checkNotBuilt("noBias");
    useBias = false;
    return self();
  }

  public S relu() {
    return activation(new ReLU());
  }

  public S tanh() {
    return activation(new Tanh());
  }

  public S sigmoid() {
    return activation(new Sigmoid());
  }

  public S gelu() {
    return activation(new GELU());
  }

  /** Any activation layer after the convolution. */
  public S activation(Activation a) {
    checkNotBuilt("activation");
    activation = a;
    return self();
  }

  /** The weight initializer (the bias always starts at zero). */
  public S init(Init i) {
    checkNotBuilt("init");
    init = i;
    return self();
  }

  /**
   * Fixes the per-sample input shape ({@code channels, height, width}); the weights are created on
   * first need (seed may still follow).
   */
  public S input(long... sampleShape) {
    declareInput(sampleShape);
    return self();
  }

  @Override
  public S seed(long s) {
    super.seed(s);
    return self();
  }

  public long channels() {
    return channels;
  }

  public int[] kernelSize() {
    return kernel.clone();
  }

  public ConvOptions options() {
    return options;
  }

  public boolean hasBias() {
    return useBias;
  }

  public Activation activation() {
    return activation;
  }

  /** The weight in torch's layout; null before the layer is built. */
  public Param weight() {
    isBuilt();
    return weight;
  }

  /** The bias, {@code [out]}; null without bias or before the layer is built. */
  public Param bias() {
    isBuilt();
    return bias;
  }

  void checkNotBuilt(String what) {
    if (weight != null) {
      throw new IllegalStateException(
          describe() + "." + what + ": the layer is already built; configure it before use");
    }
  }

  @Override
  protected long[] onBuild(long[] sampleShape) {
    if (sampleShape.length != spatialAxes() + 1) {
      throw new IllegalArgumentException(
          describe()
              + ": expects inputs "
              + layout()
              + ", got per-sample shape "
              + Arrays.toString(sampleShape)
              + (sampleShape.length == 1 ? " (flat features: reshape images to NCHW first)" : ""));
    }
    long in = sampleShape[0];
    int g = options.groups();
    if (in % g != 0 || channels % g != 0) {
      throw new IllegalArgumentException(
          describe()
              + ": groups "
              + g
              + " must divide both the input channels "
              + in
              + " and the output channels "
              + channels);
    }
    long area = 1;
    for (int k : kernel) {
      area *= k;
    }
    long[] shape = weightShape(in);
    long fanIn = in / g * area;
    long fanOut = channels / g * area;
    Init w = init != null ? init : activation != null ? activation.preferredInit() : Init.xavier();
    weight = Param.of(w.create(shape, fanIn, fanOut, nextSeed()));
    if (useBias) {
      bias = Param.of(Tensor.zeros(channels));
    }
    // The output size follows from the settings; one zero sample computes it and checks them.
    return super.onBuild(sampleShape);
  }

  @Override
  protected Tensor forward(Tensor x) {
    Tensor z = convolve(x, weight.value(), bias == null ? null : bias.value());
    return activation == null ? z : activation.apply(z);
  }
}
