package dev.quiver.dsl.layers;

import dev.quiver.dsl.LayerConfig;
import dev.quiver.dsl.Module;
import dev.quiver.dsl.Saveable;
import dev.quiver.runtime.Tensor;

/**
 * Multi-head self-attention (Vaswani et al., 2017) over [batch, seq, dModel]: softmax(Q K^T /
 * sqrt(dHead)) V in each of {@code heads} subspaces of size dHead = dModel/heads, concatenated and
 * projected back. With {@link #causal()} position i sees only positions <= i.
 */
public final class MultiHeadAttention extends Module
    implements Saveable<MultiHeadAttention.Config> {
  private final int heads;
  private boolean causal;
  private Dense query;
  private Dense key;
  private Dense value;
  private Dense out;

  /** What a saved model holds of a MultiHeadAttention layer. */
  public record Config(int heads, boolean causal) implements LayerConfig {
    @Override
    public MultiHeadAttention create() {
      var a = MultiHeadAttention.of(heads);
      return causal ? a.causal() : a;
    }
  }

  private MultiHeadAttention(int heads) {
    if (heads <= 0) {
      throw new IllegalArgumentException(
          "MultiHeadAttention: heads must be positive, got " + heads);
    }
    this.heads = heads;
  }

  public static MultiHeadAttention of(int heads) {
    return new MultiHeadAttention(heads);
  }

  /** Masks future positions (for language models); off by default. */
  public MultiHeadAttention causal() {
    this.causal = true;
    return this;
  }

  public int heads() {
    return heads;
  }

  public boolean isCausal() {
    return causal;
  }

  @Override
  public Config config() {
    return new Config(heads, causal);
  }

  @Override
  protected long[] onBuild(long[] sampleShape) {
    if (sampleShape.length != 2) {
      throw new IllegalArgumentException(
          describe()
              + ": expects [batch, seq, dModel], got per-sample shape "
              + java.util.Arrays.toString(sampleShape));
    }
    long d = sampleShape[1];
    if (d % heads != 0) {
      throw new IllegalArgumentException(
          describe() + ": dModel " + d + " is not divisible by " + heads + " heads");
    }
    query = Dense.of(d).seed(nextSeed());
    key = Dense.of(d).seed(nextSeed());
    value = Dense.of(d).seed(nextSeed());
    out = Dense.of(d).seed(nextSeed());
    for (Dense p : new Dense[] {query, key, value, out}) {
      p.build(sampleShape);
    }
    return sampleShape.clone();
  }

  /** Sequences of any length of the same width (the causal mask is made for each length). */
  @Override
  protected boolean accepts(long[] sample, long[] builtFor) {
    return sample.length == 2 && sample[1] == builtFor[1];
  }

  @Override
  protected Tensor forward(Tensor x) {
    long n = x.size(0);
    long len = x.size(1);
    long d = x.size(2);
    long dh = d / heads;
    Tensor q = split(query.apply(x), n, len, dh);
    Tensor k = split(key.apply(x), n, len, dh);
    Tensor v = split(value.apply(x), n, len, dh);
    Tensor scores = q.matmul(k.transpose()).mul(1 / Math.sqrt(dh)); // [n, heads, len, len]
    if (causal) {
      scores = scores.add(causalMask(len, x));
    }
    Tensor mixed = scores.softmax(-1).matmul(v); // [n, heads, len, dh]
    return out.apply(mixed.permute(0, 2, 1, 3).reshape(n, len, d));
  }

  /** [n, len, d] -> [n, heads, len, dh]. */
  private Tensor split(Tensor t, long n, long len, long dh) {
    return t.reshape(n, len, heads, dh).permute(0, 2, 1, 3);
  }

  /** 0 on and below the diagonal, a large negative number above: exp of it is 0 after softmax. */
  private static Tensor causalMask(long len, Tensor like) {
    float[] m = new float[(int) (len * len)];
    for (int i = 0; i < len; i++) {
      for (int j = i + 1; j < len; j++) {
        m[(int) (i * len + j)] = -1e9f;
      }
    }
    return Tensor.of(m, len, len).to(like.dtype()).to(like.device());
  }
}
