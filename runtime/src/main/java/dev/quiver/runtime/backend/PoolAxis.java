package dev.quiver.runtime.backend;

/**
 * The pooling windows along one spatial axis: output position {@code o} pools input positions
 * {@link #start}{@code (o)} (inclusive) to {@link #end}{@code (o)} (exclusive), already clipped to
 * the input. Either regular windows ({@code kernel}, {@code stride}, {@code pad}, as torch's
 * max_pool/avg_pool, ceil mode included through {@code out}) or adaptive ones (torch's
 * adaptive_avg_pool: window {@code o} is {@code [floor(o·in/out), ceil((o+1)·in/out))}).
 *
 * <p>Kernels on every backend compute the windows from these numbers with the same formulas (the
 * CUDA sources repeat them), so nothing per window is sent to a device.
 */
public record PoolAxis(int in, int out, int kernel, int stride, int pad, boolean adaptive) {

  public PoolAxis {
    if (in < 1 || out < 1) {
      throw new IllegalArgumentException(
          "PoolAxis: sizes must be >= 1, got in " + in + ", out " + out);
    }
    if (!adaptive && (kernel < 1 || stride < 1 || pad < 0)) {
      throw new IllegalArgumentException(
          "PoolAxis: kernel " + kernel + ", stride " + stride + ", padding " + pad);
    }
  }

  /** Regular windows of {@code kernel} every {@code stride}, {@code pad} on both sides. */
  public static PoolAxis regular(int in, int out, int kernel, int stride, int pad) {
    return new PoolAxis(in, out, kernel, stride, pad, false);
  }

  /** torch's adaptive windows: {@code out} windows covering {@code in} positions. */
  public static PoolAxis adaptive(int in, int out) {
    return new PoolAxis(in, out, 0, 0, 0, true);
  }

  /** An axis of size 1 pooled to size 1 (the missing height of a 1-D pooling). */
  public static PoolAxis unit() {
    return new PoolAxis(1, 1, 1, 1, 0, false);
  }

  /** First input position of window {@code o}, inside the input. */
  public int start(int o) {
    if (adaptive) {
      return (int) ((long) o * in / out);
    }
    return Math.max(o * stride - pad, 0);
  }

  /** One past the last input position of window {@code o}, inside the input. */
  public int end(int o) {
    if (adaptive) {
      return (int) (((long) (o + 1) * in + out - 1) / out);
    }
    return Math.min(o * stride - pad + kernel, in);
  }

  /**
   * How many positions window {@code o} averages over along this axis: with {@code countIncludePad}
   * the padded window (torch: clipped to {@code in + pad} only), else the positions inside the
   * input.
   */
  public int divisor(int o, boolean countIncludePad) {
    if (adaptive || !countIncludePad) {
      return end(o) - start(o);
    }
    int s = o * stride - pad;
    return Math.min(s + kernel, in + pad) - s;
  }
}
