package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.ops.Recurrences;

/**
 * Long short-term memory (Hochreiter and Schmidhuber, 1997), as torch's {@code nn.LSTM}: at each
 * step, with the gates stacked in the order i, f, g, o in {@code weight_ih_lk} [4·hidden, input]
 * and {@code weight_hh_lk} [4·hidden, hidden],
 *
 * <pre>
 * i = σ(x W_iiᵀ + b_ii + h W_hiᵀ + b_hi)      input gate
 * f = σ(x W_ifᵀ + b_if + h W_hfᵀ + b_hf)      forget gate
 * g = tanh(x W_igᵀ + b_ig + h W_hgᵀ + b_hg)   candidate
 * o = σ(x W_ioᵀ + b_io + h W_hoᵀ + b_ho)      output gate
 * c' = f ⊙ c + i ⊙ g
 * h' = o ⊙ tanh(c')
 * </pre>
 *
 * <pre>{@code
 * LSTM.of(128)                                   // [batch, seq, in] -> [batch, seq, 128]
 * LSTM.of(64).layers(2).dropout(0.2).lastState() // [batch, seq, in] -> [batch, 64]
 * LSTM.of(32).bidirectional()                    // -> [batch, seq, 64]
 * }</pre>
 *
 * <p>Layers, directions, layout, masks and initial states are described in {@link Recurrent}.
 */
public final class LSTM extends Recurrent<LSTM> implements Saveable<LSTM.Config> {

  /** What a saved model holds of an LSTM layer. */
  public record Config(
      long hidden,
      int layers,
      boolean bidirectional,
      boolean batchFirst,
      double dropout,
      boolean lastState,
      boolean bias)
      implements LayerConfig {
    @Override
    public LSTM create() {
      return LSTM.of(hidden).configure(layers, bidirectional, batchFirst, dropout, lastState, bias);
    }
  }

  private boolean composed;

  private LSTM(long hidden) {
    super("LSTM", hidden);
  }

  /** An LSTM with {@code hidden} units per direction and layer. */
  public static LSTM of(long hidden) {
    return new LSTM(hidden);
  }

  @Override
  public Config config() {
    return new Config(hidden, layers, bidirectional, batchFirst, dropout, lastState, bias);
  }

  @Override
  protected int gates() {
    return 4;
  }

  @Override
  protected boolean hasCellState() {
    return true;
  }

  /**
   * Computes each step from tensor ops (thirteen per step, each with its autodiff node) instead of
   * the fused LSTM op ({@link Recurrences#lstm}): slower, and the reference the fused op is tested
   * against. Not saved with the model.
   */
  public LSTM composed() {
    composed = true;
    return this;
  }

  @Override
  protected Output fused(Tensor xw, Tensor whh, State s, Tensor mask, boolean reverse) {
    if (composed) {
      return null;
    }
    if (xw.size(1) == 0) {
      return null;
    }
    Tensor states = Recurrences.lstm(xw, whh, s.h(), s.c(), mask, reverse);
    if (states == null) {
      return null; // no fused kernel on this device: compose
    }
    Tensor hs = states.select(0, 0); // [batch, seq, hidden]
    long last = reverse ? 0 : xw.size(1) - 1;
    var end = new State(hs.select(1, last), states.select(0, 1).select(1, last));
    return new Output(mask == null ? hs : hs.mul(mask.unsqueeze(2)), end);
  }

  @Override
  protected State cell(Tensor xw, State prev, Tensor whhT, Tensor bhh) {
    Tensor z = xw.add(prev.h().matmul(whhT));
    long h = hidden;
    Tensor i = z.slice(1, 0, h).sigmoid();
    Tensor f = z.slice(1, h, 2 * h).sigmoid();
    Tensor g = z.slice(1, 2 * h, 3 * h).tanh();
    Tensor o = z.slice(1, 3 * h, 4 * h).sigmoid();
    Tensor c = f.mul(prev.c()).add(i.mul(g));
    return new State(o.mul(c.tanh()), c);
  }
}
