package dev.quiver.dsl.data;

import dev.quiver.runtime.Tensor;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Data sets of sequences: sliding windows over a token stream (next-token prediction) or over a
 * time series (forecasting), padding of sequences of different lengths, and generated series.
 *
 * <pre>{@code
 * int[] ids = vocab.encode(text);
 * var train = Sequences.nextToken(ids, 0, 9 * ids.length / 10, 64, 32);   // windows of 64, step 32
 * var series = Sequences.seasonal(600, 24, 0.01, 0.1, 7);
 * var forecast = Sequences.forecast(series, 0, 500, 48, 1);               // x [n, 48, 1], y [n, 1]
 * }</pre>
 */
public final class Sequences {
  private Sequences() {}

  /**
   * Next-token windows over {@code tokens[from, to)}: x is int32 [n, length] (tokens
   * i..i+length-1), y is int32 [n, length] (the same window moved one token on), for i = from,
   * from+stride, ... The targets never reach past {@code to}, so a later range can serve as
   * validation data.
   */
  public static Dataset nextToken(int[] tokens, int from, int to, int length, int stride) {
    if (tokens == null) {
      throw new IllegalArgumentException("Sequences.nextToken: tokens is null");
    }
    requireRange("nextToken", tokens.length, from, to);
    if (length < 1 || stride < 1) {
      throw new IllegalArgumentException(
          "Sequences.nextToken: length and stride must be >= 1, got " + length + ", " + stride);
    }
    int n = (to - from - 1 - length) / stride + 1;
    if (to - from - 1 < length) {
      throw new IllegalArgumentException(
          "Sequences.nextToken: tokens ["
              + from
              + ", "
              + to
              + ") hold "
              + (to - from)
              + " tokens; a window of "
              + length
              + " and its next-token targets need at least "
              + (length + 1));
    }
    int[] x = new int[n * length];
    int[] y = new int[n * length];
    for (int w = 0; w < n; w++) {
      System.arraycopy(tokens, from + w * stride, x, w * length, length);
      System.arraycopy(tokens, from + w * stride + 1, y, w * length, length);
    }
    return Dataset.of(Tensor.ofInts(x, n, length), Tensor.ofInts(y, n, length));
  }

  /** {@link #nextToken(int[], int, int, int, int)} over the whole stream. */
  public static Dataset nextToken(int[] tokens, int length, int stride) {
    return nextToken(tokens, 0, tokens.length, length, stride);
  }

  /**
   * Forecasting windows over {@code series[from, to)}: x is float32 [n, length, 1] (the values
   * i..i+length-1, one feature per step), y is float32 [n, horizon] (the next {@code horizon}
   * values), for every start i.
   */
  public static Dataset forecast(float[] series, int from, int to, int length, int horizon) {
    if (series == null) {
      throw new IllegalArgumentException("Sequences.forecast: series is null");
    }
    requireRange("forecast", series.length, from, to);
    if (length < 1 || horizon < 1) {
      throw new IllegalArgumentException(
          "Sequences.forecast: length and horizon must be >= 1, got " + length + ", " + horizon);
    }
    int n = to - from - length - horizon + 1;
    if (n < 1) {
      throw new IllegalArgumentException(
          "Sequences.forecast: series ["
              + from
              + ", "
              + to
              + ") holds "
              + (to - from)
              + " values; a window of "
              + length
              + " and a horizon of "
              + horizon
              + " need at least "
              + (length + horizon));
    }
    float[] x = new float[n * length];
    float[] y = new float[n * horizon];
    for (int w = 0; w < n; w++) {
      System.arraycopy(series, from + w, x, w * length, length);
      System.arraycopy(series, from + w + length, y, w * horizon, horizon);
    }
    return Dataset.of(Tensor.of(x, n, length, 1), Tensor.of(y, n, horizon));
  }

  /**
   * Sequences of different lengths as one int32 [n, longest] tensor, each padded at the end with
   * {@code pad}; {@code dev.quiver.dsl.layers.Masks.padding} gives the matching mask.
   */
  public static Tensor pad(List<int[]> sequences, int pad) {
    if (sequences == null || sequences.isEmpty()) {
      throw new IllegalArgumentException("Sequences.pad: needs at least one sequence");
    }
    int longest = 1;
    for (int[] s : sequences) {
      longest = Math.max(longest, s.length);
    }
    int[] out = new int[sequences.size() * longest];
    java.util.Arrays.fill(out, pad);
    for (int i = 0; i < sequences.size(); i++) {
      int[] s = sequences.get(i);
      System.arraycopy(s, 0, out, i * longest, s.length);
    }
    return Tensor.ofInts(out, sequences.size(), longest);
  }

  /**
   * A seasonal series with a trend: {@code sin(2 pi t / period) + trend t + noise N(0, 1)}, t =
   * 0..n-1.
   */
  public static float[] seasonal(int n, int period, double trend, double noise, long seed) {
    if (n < 1 || period < 1) {
      throw new IllegalArgumentException(
          "Sequences.seasonal: n and period must be >= 1, got " + n + ", " + period);
    }
    var r = new SplittableRandom(seed);
    float[] out = new float[n];
    for (int t = 0; t < n; t++) {
      out[t] = (float) (Math.sin(2 * Math.PI * t / period) + trend * t + noise * r.nextGaussian());
    }
    return out;
  }

  private static void requireRange(String what, int length, int from, int to) {
    if (from < 0 || to > length || from >= to) {
      throw new IllegalArgumentException(
          "Sequences."
              + what
              + ": range ["
              + from
              + ", "
              + to
              + ") is not inside the "
              + length
              + " values given");
    }
  }
}
