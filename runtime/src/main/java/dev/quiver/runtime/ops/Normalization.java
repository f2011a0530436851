package dev.quiver.runtime.ops;

import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import dev.quiver.runtime.backend.Backend;
import dev.quiver.runtime.backend.Backends;
import dev.quiver.runtime.backend.View;
import java.util.Arrays;

/**
 * Batch normalization as torch's {@code F.batch_norm}: x {@code [N, C, ...]} normalized per channel
 * (axis 1) over the batch and every later axis. In training the batch's mean and biased variance
 * normalize it and the running statistics (when given) move by the momentum, the variance unbiased
 * as torch keeps it; otherwise the running statistics normalize it. One op with its backward where
 * the backend has kernels for it (the CPU's: two passes each way); the composed form, from
 * elementwise ops and reductions, elsewhere, and as the reference the kernels are tested against.
 */
public final class Normalization {
  private Normalization() {}

  /**
   * torch's {@code batch_norm(input, running_mean, running_var, weight, bias, training, momentum,
   * eps)}. runningMean and runningVar ({@code [C]}) are updated in place in training; they may be
   * null there (batch statistics only), not in evaluation. weight and bias ({@code [C]}) may be
   * null.
   */
  public static Tensor batchNorm(
      Tensor x,
      Tensor runningMean,
      Tensor runningVar,
      Tensor weight,
      Tensor bias,
      boolean training,
      double momentum,
      double eps) {
    check(x, runningMean, runningVar, weight, bias, training, eps);
    long[] s = x.shape();
    long c = s[1];
    long n = x.numel() / c;
    Tensor fused =
        n == 0
            ? null
            : fused(x, runningMean, runningVar, weight, bias, new Spec(training, momentum, eps));
    return fused != null
        ? fused
        : composed(x, runningMean, runningVar, weight, bias, training, momentum, eps);
  }

  /**
   * The composed form (the reference): {@code (x - mean) / sqrt(var + eps) · weight + bias}, from
   * elementwise ops and reductions, each with its own backward.
   */
  public static Tensor composed(
      Tensor x, Tensor rm, Tensor rv, Tensor w, Tensor b, boolean training, double m, double eps) {
    check(x, rm, rv, w, b, training, eps);
    long c = x.size(1);
    int[] axes = statAxes(x.dim());
    long[] bcast = new long[x.dim()];
    Arrays.fill(bcast, 1);
    bcast[1] = c;
    Tensor mean;
    Tensor var;
    if (training) {
      mean = x.mean(axes, true);
      var = x.sub(mean).square().mean(axes, true);
      updateRunning(rm, rv, mean, var, m, x.numel() / c);
    } else {
      mean = rm.to(x.dtype()).reshape(bcast);
      var = rv.to(x.dtype()).reshape(bcast);
    }
    Tensor y = x.sub(mean).div(var.add(eps).sqrt());
    if (w != null) {
      y = y.mul(w.reshape(bcast));
    }
    return b == null ? y : y.add(b.reshape(bcast));
  }

  private static Tensor fused(
      Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, Spec spec) {
    boolean training = spec.training();
    double momentum = spec.momentum();
    double eps = spec.eps();
    long n = x.numel() / x.size(1);
    long c = x.size(1);
    long[] flat = {x.size(0), c, n / x.size(0)};
    Tensor xc = x.contiguous();
    Tensor w = weight == null ? null : weight.to(x.dtype()).contiguous();
    Tensor b = bias == null ? null : bias.to(x.dtype()).contiguous();
    Tensor mean;
    Tensor var;
    if (training) {
      mean = Tensor.empty(x.device(), x.dtype(), c);
      var = Tensor.empty(x.device(), x.dtype(), c);
    } else {
      mean = runningMean.to(x.dtype()).contiguous();
      var = runningVar.to(x.dtype()).contiguous();
    }
    Tensor y = Tensor.empty(x.device(), x.dtype(), x.shape());
    Backend be = Backends.of(x.device());
    if (!be.batchNorm(
        dense(xc, flat),
        mean.view(),
        var.view(),
        view(w),
        view(b),
        dense(y, flat),
        eps,
        training)) {
      return null;
    }
    if (training) {
      updateRunning(runningMean, runningVar, mean, var, momentum, n);
    }
    Tensor savedMean = mean;
    Tensor savedVar = var;
    return Autograd.record(
        y,
        "batchNorm",
        g -> {
          Tensor gc = g.contiguous();
          Tensor dx = xc.isGradRequired() ? Tensor.empty(x.device(), x.dtype(), x.shape()) : null;
          boolean wantW = weight != null && weight.isGradRequired();
          boolean wantB = bias != null && bias.isGradRequired();
          Tensor dw = wantW ? Tensor.empty(x.device(), x.dtype(), c) : null;
          Tensor db = wantB ? Tensor.empty(x.device(), x.dtype(), c) : null;
          View[] grads = {dx == null ? null : dense(dx, flat), view(dw), view(db)};
          if (!be.batchNormBackward(
              dense(xc, flat),
              dense(gc, flat),
              savedMean.view(),
              savedVar.view(),
              view(w),
              grads,
              eps,
              training)) {
            throw new IllegalStateException(
                "batchNorm: the " + x.device() + " backend ran the forward but not the backward");
          }
          return new Tensor[] {
            dx, dw == null ? null : dw.to(weight.dtype()), db == null ? null : db.to(bias.dtype())
          };
        },
        xc,
        weight,
        bias);
  }

  /** running = (1 - momentum)·running + momentum·batch; the variance unbiased, n / (n - 1). */
  private static void updateRunning(
      Tensor runningMean, Tensor runningVar, Tensor mean, Tensor var, double momentum, long n) {
    if (runningMean == null) {
      return;
    }
    try (var ignored = Autograd.noGrad()) {
      runningMean
          .mulInPlace(1 - momentum)
          .addInPlace(mean.reshape(-1).detach().to(runningMean.dtype()).mul(momentum));
      runningVar
          .mulInPlace(1 - momentum)
          .addInPlace(
              var.reshape(-1).detach().to(runningVar.dtype()).mul(momentum * n / (n - 1.0)));
    }
  }

  private static View dense(Tensor t, long[] shape) {
    return t.view().withLayout(shape, new long[] {shape[1] * shape[2], shape[2], 1}, t.offset());
  }

  private static View view(Tensor t) {
    return t == null ? null : t.view();
  }

  private static int[] statAxes(int rank) {
    int[] axes = new int[rank - 1];
    axes[0] = 0;
    for (int i = 2; i < rank; i++) {
      axes[i - 1] = i;
    }
    return axes;
  }

  /** The settings, apart from the tensors. */
  private record Spec(boolean training, double momentum, double eps) {}

  private static void check(
      Tensor x, Tensor rm, Tensor rv, Tensor w, Tensor b, boolean training, double eps) {
    if (x == null) {
      throw new NullPointerException("batchNorm: input is null");
    }
    if (x.dim() < 2) {
      throw new IllegalArgumentException(
          "batchNorm: input must be [N, C, ...] (rank 2 or more), got shape " + x.shapeString());
    }
    if (!x.dtype().isFloating()) {
      throw new IllegalArgumentException("batchNorm: needs a floating tensor, got " + x.dtype());
    }
    if (!(eps > 0)) {
      throw new IllegalArgumentException("batchNorm: eps must be positive, got " + eps);
    }
    long c = x.size(1);
    if (training && x.numel() / Math.max(1, c) < 2) {
      throw new IllegalArgumentException(
          "batchNorm: training needs more than one value per channel, got input shape "
              + x.shapeString());
    }
    if ((rm == null) != (rv == null)) {
      throw new IllegalArgumentException(
          "batchNorm: give both running statistics or neither (running mean "
              + (rm == null ? "null" : rm.shapeString())
              + ", running var "
              + (rv == null ? "null" : rv.shapeString())
              + ")");
    }
    if (!training && rm == null) {
      throw new IllegalArgumentException(
          "batchNorm: evaluation (training false) needs the running mean and variance");
    }
    String[] names = {"running mean", "running var", "weight", "bias"};
    Tensor[] ts = {rm, rv, w, b};
    for (int i = 0; i < ts.length; i++) {
      Tensor t = ts[i];
      if (t == null) {
        continue;
      }
      if (t.dim() != 1 || t.size(0) != c) {
        throw new IllegalArgumentException(
            "batchNorm: the "
                + names[i]
                + " must be ["
                + c
                + "] for input "
                + x.shapeString()
                + " (channels on axis 1), got "
                + t.shapeString());
      }
      if (!t.device().equals(x.device())) {
        throw new IllegalArgumentException(
            "batchNorm: the "
                + names[i]
                + " is on "
                + t.device()
                + ", the input on "
                + x.device()
                + "; move one with .to(Device)");
      }
    }
  }
}
