package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.Tensor;

/**
 * The plain (Elman) recurrent layer, as torch's {@code nn.RNN}: at each step {@code h' = act(x
 * W_ihᵀ + b_ih + h W_hhᵀ + b_hh)} with act tanh (the default) or relu, {@code weight_ih_lk}
 * [hidden, input] and {@code weight_hh_lk} [hidden, hidden]. Layers, directions, layout, masks and
 * initial states are described in {@link Recurrent}.
 */
public final class RNN extends Recurrent<RNN> implements Saveable<RNN.Config> {
  private boolean relu;

  /** What a saved model holds of an RNN layer; {@code nonlinearity} is "tanh" or "relu". */
  public record Config(
      long hidden,
      String nonlinearity,
      int layers,
      boolean bidirectional,
      boolean batchFirst,
      double dropout,
      boolean lastState,
      boolean bias)
      implements LayerConfig {
    @Override
    public RNN create() {
      RNN r = RNN.of(hidden);
      switch (nonlinearity) {
        case "tanh" -> {}
        case "relu" -> r.relu();
        default ->
            throw new IllegalArgumentException(
                "RNN: nonlinearity must be tanh or relu, got " + nonlinearity);
      }
      return r.configure(layers, bidirectional, batchFirst, dropout, lastState, bias);
    }
  }

  private RNN(long hidden) {
    super("RNN", hidden);
  }

  /** A tanh RNN with {@code hidden} units per direction and layer. */
  public static RNN of(long hidden) {
    return new RNN(hidden);
  }

  /** relu instead of tanh (torch's nonlinearity='relu'). */
  public RNN relu() {
    checkNotBuilt("relu");
    relu = true;
    return this;
  }

  public String nonlinearity() {
    return relu ? "relu" : "tanh";
  }

  @Override
  public Config config() {
    return new Config(
        hidden, nonlinearity(), layers, bidirectional, batchFirst, dropout, lastState, bias);
  }

  @Override
  protected int gates() {
    return 1;
  }

  @Override
  protected State cell(Tensor xw, State prev, Tensor whhT, Tensor bhh) {
    Tensor z = xw.add(prev.h().matmul(whhT));
    return new State(relu ? z.relu() : z.tanh(), null);
  }
}
