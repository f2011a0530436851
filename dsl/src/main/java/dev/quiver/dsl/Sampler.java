package dev.quiver.dsl;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from a model's logits: greedy (the most likely), or sampled from {@code
 * softmax(logits / temperature)}, optionally among the {@code k} most likely only. Seeded: the same
 * seed and logits give the same tokens. {@link #generate} runs a next-token model (a language model
 * ending in logits over the vocabulary at every position: an LSTM's or a transformer's) token by
 * token.
 *
 * <pre>{@code
 * var sampler = Sampler.temperature(0.8).topK(10).seed(1);
 * int[] ids = sampler.generate(model, vocab.encode("The "), 200, 64);   // 200 new tokens
 * String text = vocab.decode(ids);
 * }</pre>
 */
public final class Sampler {
  private final double temperature;
  private final int topK;
  private final long seed;
  private SplittableRandom random;

  private Sampler(double temperature, int topK, long seed) {
    this.temperature = temperature;
    this.topK = topK;
    this.seed = seed;
    this.random = new SplittableRandom(seed);
  }

  /** Always the most likely token. */
  public static Sampler greedy() {
    return new Sampler(0, 0, 0);
  }

  /**
   * Sampled from softmax(logits / t): t = 1 is the model's own distribution, t &lt; 1 sharper (t
   * near 0 is greedy), t &gt; 1 flatter. Seed 0 unless {@link #seed} says otherwise.
   */
  public static Sampler temperature(double t) {
    if (!(t > 0) || Double.isInfinite(t)) {
      throw new IllegalArgumentException(
          "Sampler.temperature: needs a finite temperature > 0, got " + t + " (greedy() for 0)");
    }
    return new Sampler(t, 0, 0);
  }

  /** Only the k most likely tokens can be drawn (their probabilities renormalized). */
  public Sampler topK(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("Sampler.topK: k must be >= 1, got " + k);
    }
    return new Sampler(temperature, k, seed);
  }

  /** A fresh sampler drawing from the random stream of {@code s}. */
  public Sampler seed(long s) {
    return new Sampler(temperature, topK, s);
  }

  public boolean isGreedy() {
    return temperature == 0;
  }

  /** The next token id from logits over the vocabulary: [vocab] or [1, vocab]. */
  public int next(Tensor logits) {
    if (logits.dim() == 2 && logits.size(0) == 1) {
      logits = logits.reshape(-1);
    }
    if (logits.dim() != 1 || logits.size(0) == 0) {
      throw new IllegalArgumentException(
          "Sampler.next: expects logits [vocab] or [1, vocab], got " + logits.shapeString());
    }
    float[] z = logits.to(DType.FLOAT32).toFloatArray();
    return next(z);
  }

  /** The next token id from logits over the vocabulary. */
  public int next(float[] z) {
    int best = 0;
    for (int i = 0; i < z.length; i++) {
      if (Float.isNaN(z[i])) {
        throw new IllegalArgumentException("Sampler.next: the logits hold NaN at index " + i);
      }
      if (z[i] > z[best]) {
        best = i;
      }
    }
    if (isGreedy()) {
      return best;
    }
    double cut = Double.NEGATIVE_INFINITY;
    if (topK > 0 && topK < z.length) {
      float[] sorted = z.clone();
      Arrays.sort(sorted);
      cut = sorted[z.length - topK];
    }
    double[] p = new double[z.length];
    double sum = 0;
    for (int i = 0; i < z.length; i++) {
      p[i] = z[i] >= cut ? Math.exp((z[i] - z[best]) / temperature) : 0;
      sum += p[i];
    }
    double u = random.nextDouble() * sum;
    for (int i = 0; i < z.length; i++) {
      u -= p[i];
      if (u < 0 && p[i] > 0) {
        return i;
      }
    }
    return best;
  }

  /**
   * {@code count} new tokens after {@code prompt}: each step feeds the last {@code context} tokens
   * (int32 [1, seq]) to the model, which must return logits [1, seq, vocab], and draws the next
   * token from the last position's logits. Runs without gradients, in evaluation mode (restored
   * after). Returns the new tokens only.
   */
  public int[] generate(Module model, int[] prompt, int count, int context) {
    if (prompt == null || prompt.length == 0) {
      throw new IllegalArgumentException("Sampler.generate: needs a prompt of at least one token");
    }
    if (count < 0 || context < 1) {
      throw new IllegalArgumentException(
          "Sampler.generate: count must be >= 0 and context >= 1, got " + count + ", " + context);
    }
    int[] all = Arrays.copyOf(prompt, prompt.length + count);
    boolean wasTraining = model.isTraining();
    model.eval();
    try (var ng = Autograd.noGrad()) {
      for (int i = prompt.length; i < all.length; i++) {
        int start = Math.max(0, i - context);
        var window = Tensor.ofInts(Arrays.copyOfRange(all, start, i), 1, i - start);
        Tensor out = model.apply(window);
        if (out.dim() != 3 || out.size(0) != 1 || out.size(1) != i - start) {
          throw new IllegalArgumentException(
              "Sampler.generate: the model should map token ids [1, "
                  + (i - start)
                  + "] to logits [1, "
                  + (i - start)
                  + ", vocab], got "
                  + out.shapeString());
        }
        all[i] = next(out.select(1, i - start - 1).reshape(-1));
      }
    } finally {
      if (wasTraining) {
        model.train();
      }
    }
    return Arrays.copyOfRange(all, prompt.length, all.length);
  }
}
