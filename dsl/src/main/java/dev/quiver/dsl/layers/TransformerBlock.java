package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Module;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.Tensor;

/**
 * A pre-norm transformer encoder block, as GPT-2 arranges it: x + attention(norm(x)), then x +
 * feedForward(norm(x)) with a GELU hidden layer. Pre-norm trains without learning-rate warm-up on
 * small problems, which is what a notebook needs.
 */
public final class TransformerBlock extends Module implements Saveable<TransformerBlock.Config> {
  private final LayerNorm norm1 = LayerNorm.of();
  private final MultiHeadAttention attention;
  private final LayerNorm norm2 = LayerNorm.of();
  private final int hidden;
  private Dense up;
  private Dense down;

  /** What a saved model holds of a TransformerBlock. */
  public record Config(int heads, int hidden, boolean causal) implements LayerConfig {
    @Override
    public TransformerBlock create() {
      var t = TransformerBlock.of(heads, hidden);
      return causal ? t.causal() : t;
    }
  }

  private TransformerBlock(int heads, int hidden) {
    this.attention = MultiHeadAttention.of(heads);
    this.hidden = hidden;
  }

  /** {@code heads} attention heads and a feed-forward layer of {@code hidden} units. */
  public static TransformerBlock of(int heads, int hidden) {
    return new TransformerBlock(heads, hidden);
  }

  public TransformerBlock causal() {
    attention.causal();
    return this;
  }

  public int heads() {
    return attention.heads();
  }

  public int hidden() {
    return hidden;
  }

  public boolean isCausal() {
    return attention.isCausal();
  }

  @Override
  public Config config() {
    return new Config(heads(), hidden, isCausal());
  }

  @Override
  protected long[] onBuild(long[] sampleShape) {
    up = Dense.of(hidden).gelu().seed(nextSeed());
    down = Dense.of(sampleShape[sampleShape.length - 1]).seed(nextSeed());
    attention.seed(nextSeed());
    norm1.build(sampleShape);
    attention.build(sampleShape);
    norm2.build(sampleShape);
    up.build(sampleShape);
    down.build(up.outputShape());
    return sampleShape.clone();
  }

  /**
   * Sequences of any length of the same width (attention and the layers around it work per
   * position).
   */
  @Override
  protected boolean accepts(long[] sample, long[] builtFor) {
    return sample.length == 2 && sample[1] == builtFor[1];
  }

  @Override
  protected Tensor forward(Tensor x) {
    Tensor h = x.add(attention.apply(norm1.apply(x)));
    return h.add(down.apply(up.apply(norm2.apply(h))));
  }
}
