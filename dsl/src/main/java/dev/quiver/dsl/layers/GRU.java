package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.Tensor;

/**
 * Gated recurrent unit (Cho et al., 2014), as torch's {@code nn.GRU}: at each step, with the gates
 * stacked in the order r, z, n in {@code weight_ih_lk} [3·hidden, input] and {@code weight_hh_lk}
 * [3·hidden, hidden],
 *
 * <pre>
 * r = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr)            reset gate
 * z = σ(x W_izᵀ + b_iz + h W_hzᵀ + b_hz)            update gate
 * n = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn))   candidate
 * h' = (1 - z) ⊙ n + z ⊙ h
 * </pre>
 *
 * <p>The reset gate multiplies {@code h W_hnᵀ + b_hn} (torch's and cuDNN's form, not the paper's
 * {@code (r ⊙ h) W_hnᵀ}), so that the weights of torch give the same results here. Layers,
 * directions, layout, masks and initial states are described in {@link Recurrent}.
 */
public final class GRU extends Recurrent<GRU> implements Saveable<GRU.Config> {

  /** What a saved model holds of a GRU layer. */
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
    public GRU create() {
      return GRU.of(hidden).configure(layers, bidirectional, batchFirst, dropout, lastState, bias);
    }
  }

  private GRU(long hidden) {
    super("GRU", hidden);
  }

  /** A GRU with {@code hidden} units per direction and layer. */
  public static GRU of(long hidden) {
    return new GRU(hidden);
  }

  @Override
  public Config config() {
    return new Config(hidden, layers, bidirectional, batchFirst, dropout, lastState, bias);
  }

  @Override
  protected int gates() {
    return 3;
  }

  @Override
  protected boolean foldsRecurrentBias() {
    return false;
  }

  @Override
  protected State cell(Tensor xw, State prev, Tensor whhT, Tensor bhh) {
    Tensor hw = prev.h().matmul(whhT);
    if (bhh != null) {
      hw = hw.add(bhh);
    }
    long h = hidden;
    Tensor r = xw.slice(1, 0, h).add(hw.slice(1, 0, h)).sigmoid();
    Tensor z = xw.slice(1, h, 2 * h).add(hw.slice(1, h, 2 * h)).sigmoid();
    Tensor n = xw.slice(1, 2 * h, 3 * h).add(r.mul(hw.slice(1, 2 * h, 3 * h))).tanh();
    // (1 - z)·n + z·h, as n + z·(h - n)
    return new State(n.add(z.mul(prev.h().sub(n))), null);
  }
}
