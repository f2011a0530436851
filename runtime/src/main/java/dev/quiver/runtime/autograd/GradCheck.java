package dev.quiver.runtime.autograd;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Shapes;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.backend.Backend;
import dev.quiver.runtime.backend.Backends;
import dev.quiver.runtime.backend.View;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Checks the gradients that autodiff computes for a function of tensors against central finite
 * differences, in float64.
 *
 * <pre>{@code
 * GradCheck.assertGradients(x -> x[0].matmul(x[1]).relu().sum(1), Tensor.randn(3, 4), Tensor.randn(4, 2));
 * }</pre>
 *
 * <p>How: every floating input becomes a fresh float64 leaf that requires grad (int32 inputs, such
 * as indices, pass through untouched and are not differentiated). The output, of any shape, is
 * reduced to a scalar {@code L = Σ w_i · out_i} with fixed pseudo-random weights {@code w}, so
 * every row of the Jacobian is exercised: the analytic gradient is one backward pass with {@code w}
 * as the upstream gradient; the numeric one is {@code (L(x + ε e_j) - L(x - ε e_j)) / 2ε} for each
 * element j, evaluated under {@link Autograd#noGrad()} with the sums done in double. An element
 * passes when {@code |analytic - numeric| <= atol + rtol · |numeric|}.
 *
 * <p>The function must be deterministic and must not modify its inputs. Keep inputs away from kinks
 * (relu and abs at 0, ties in max/min): there the two one-sided derivatives differ and no finite
 * difference can agree with either.
 */
public final class GradCheck {
  private GradCheck() {}

  /**
   * Settings of a check. Start from {@link #defaults()} and change what you need: {@code
   * GradCheck.Options.defaults().eps(1e-4).rtol(1e-3)}.
   *
   * @param eps the finite-difference step
   * @param atol absolute tolerance
   * @param rtol tolerance relative to the numeric derivative
   * @param seed seed of the weights that reduce the output to a scalar
   * @param constants indices of floating inputs not to differentiate (they still become float64)
   * @param maxShown how many failing elements per input the report lists
   * @param sample 0 to check every element; otherwise at most this many elements per input, chosen
   *     at random (from {@code seed}), for inputs too big to check whole
   */
  public record Options(
      double eps, double atol, double rtol, long seed, int[] constants, int maxShown, int sample) {
    public Options {
      if (sample < 0) {
        throw new IllegalArgumentException(
            "GradCheck.Options: sample must be 0 (all) or positive, got " + sample);
      }
      if (!(eps > 0) || !(atol >= 0) || !(rtol >= 0)) {
        throw new IllegalArgumentException(
            "GradCheck.Options: eps must be positive and tolerances non-negative, got eps "
                + eps
                + ", atol "
                + atol
                + ", rtol "
                + rtol);
      }
      constants = constants.clone();
    }

    /**
     * eps 1e-6, atol 1e-6, rtol 1e-4, a fixed seed, every floating input differentiated, 5 failures
     * shown per input.
     */
    public static Options defaults() {
      return new Options(1e-6, 1e-6, 1e-4, 0x6AD_C4EC, new int[0], 5, 0);
    }

    public Options eps(double v) {
      return new Options(v, atol, rtol, seed, constants, maxShown, sample);
    }

    public Options atol(double v) {
      return new Options(eps, v, rtol, seed, constants, maxShown, sample);
    }

    public Options rtol(double v) {
      return new Options(eps, atol, v, seed, constants, maxShown, sample);
    }

    public Options seed(long v) {
      return new Options(eps, atol, rtol, v, constants, maxShown, sample);
    }

    public Options maxShown(int v) {
      return new Options(eps, atol, rtol, seed, constants, v, sample);
    }

    /** Checks at most {@code n} randomly chosen elements per input (0: all of them). */
    public Options sample(int n) {
      return new Options(eps, atol, rtol, seed, constants, maxShown, n);
    }

    /** Inputs (by position) that are converted to float64 but not differentiated. */
    public Options constants(int... inputs) {
      return new Options(eps, atol, rtol, seed, inputs, maxShown, sample);
    }

    boolean isConstant(int input) {
      return Arrays.stream(constants).anyMatch(c -> c == input);
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "eps %.1e, atol %.1e, rtol %.1e", eps, atol, rtol);
    }
  }

  /** One element whose analytic and numeric derivatives disagree. */
  public record Mismatch(int input, long[] index, double analytic, double numeric) {
    public double absError() {
      return Math.abs(analytic - numeric);
    }

    public double relError() {
      return relative(analytic, numeric);
    }

    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "input %d at %s: analytic %.9g, numeric %.9g (abs error %.3e, rel error %.3e)",
          input,
          Shapes.str(index),
          analytic,
          numeric,
          absError(),
          relError());
    }
  }

  /**
   * The outcome for one input.
   *
   * @param input position in the argument list
   * @param shape the input's shape
   * @param dtype the input's type as given (float inputs were checked in float64)
   * @param checked false for int32 inputs and {@link Options#constants} (no gradient checked)
   * @param elementsChecked how many elements were compared (all, unless {@link Options#sample} is
   *     set)
   * @param maxAbsError largest |analytic - numeric| over the elements
   * @param maxRelError largest |analytic - numeric| / max(|analytic|, |numeric|) over the elements
   * @param failures how many elements are outside the tolerance
   * @param worst the worst failing elements (at most {@link Options#maxShown}), worst first
   */
  public record InputReport(
      int input,
      long[] shape,
      DType dtype,
      boolean checked,
      long elementsChecked,
      double maxAbsError,
      double maxRelError,
      long failures,
      List<Mismatch> worst) {
    public boolean passed() {
      return failures == 0;
    }
  }

  /** The outcome of a check; {@link #toString()} is the readable report. */
  public record Report(
      Options options, long[] outputShape, List<InputReport> inputs, String problem) {
    /**
     * True when every checked element of every input agrees within the tolerance and nothing else
     * went wrong.
     */
    public boolean passed() {
      return problem == null && inputs.stream().allMatch(InputReport::passed);
    }

    /** All failing elements that were kept (the worst of each input). */
    public List<Mismatch> mismatches() {
      return inputs.stream().flatMap(r -> r.worst().stream()).toList();
    }

    public double maxAbsError() {
      return inputs.stream().mapToDouble(InputReport::maxAbsError).max().orElse(0);
    }

    public double maxRelError() {
      return inputs.stream().mapToDouble(InputReport::maxRelError).max().orElse(0);
    }

    @Override
    public String toString() {
      var sb = new StringBuilder();
      sb.append("GradCheck ")
          .append(passed() ? "passed" : "FAILED")
          .append(" (")
          .append(options)
          .append("), output shape ")
          .append(Shapes.str(outputShape))
          .append('\n');
      if (problem != null) {
        sb.append("  ").append(problem).append('\n');
      }
      for (InputReport r : inputs) {
        sb.append("  input ")
            .append(r.input())
            .append(' ')
            .append(Shapes.str(r.shape()))
            .append(' ')
            .append(r.dtype());
        if (!r.checked()) {
          sb.append(": not differentiated\n");
          continue;
        }
        if (r.elementsChecked() < Shapes.numel(r.shape())) {
          sb.append(" (").append(r.elementsChecked()).append(" sampled elements)");
        }
        sb.append(
            String.format(
                Locale.ROOT,
                ": max abs error %.3e, max rel error %.3e",
                r.maxAbsError(),
                r.maxRelError()));
        if (r.failures() > 0) {
          sb.append(", ")
              .append(r.failures())
              .append(" of ")
              .append(r.elementsChecked())
              .append(" elements outside tolerance");
        }
        sb.append('\n');
        for (Mismatch m : r.worst()) {
          sb.append("    ").append(m).append('\n');
        }
      }
      return sb.toString();
    }
  }

  /** Checks with {@link Options#defaults()}. */
  public static Report check(Function<Tensor[], Tensor> f, Tensor... inputs) {
    return check(Options.defaults(), f, inputs);
  }

  public static Report check(Options options, Function<Tensor[], Tensor> f, Tensor... inputs) {
    if (!Autograd.isEnabled()) {
      throw new IllegalStateException(
          "GradCheck: called inside Autograd.noGrad(), where no gradient can be recorded");
    }
    Tensor[] xs = new Tensor[inputs.length];
    boolean[] differentiate = new boolean[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      Tensor in = inputs[i];
      if (in.dtype().isFloating()) {
        xs[i] = Tensor.of(in.toDoubleArray(), in.shape()).to(in.device()).detach();
        differentiate[i] = !options.isConstant(i);
        xs[i].requiresGrad(differentiate[i]);
      } else {
        xs[i] = in;
      }
    }

    // Analytic: one backward pass with the weights as the upstream gradient.
    Tensor out = f.apply(xs.clone());
    long[] outShape = out.shape();
    double[] weights = weights(options.seed(), out.numel());
    double base = weighted(out, weights);
    if (out.isGradRequired()) {
      Tensor upstream = Tensor.of(weights, outShape).to(out.dtype()).to(out.device());
      out.backward(upstream);
    }
    String problem = null;
    if (!out.dtype().isFloating()) {
      problem = "the output is " + out.dtype() + ", which has no gradient";
    }
    double[][] analytic = new double[inputs.length][];
    for (int i = 0; i < inputs.length; i++) {
      if (!differentiate[i]) {
        continue;
      }
      Tensor g = xs[i].grad();
      if (g != null && !Arrays.equals(g.shape(), xs[i].shape())) {
        problem =
            "the gradient of input "
                + i
                + " has shape "
                + g.shapeString()
                + ", the input has "
                + xs[i].shapeString();
        g = null;
      }
      analytic[i] = g == null ? new double[Math.toIntExact(xs[i].numel())] : g.toDoubleArray();
    }

    // Numeric: central differences, one element at a time.
    List<InputReport> reports = new ArrayList<>();
    try (var ignored = Autograd.noGrad()) {
      double again = weighted(f.apply(xs.clone()), weights);
      if (Double.compare(again, base) != 0
          && Math.abs(again - base) > 1e-12 * Math.max(1, Math.abs(base))) {
        problem =
            "the function is not deterministic: it gave "
                + base
                + " and then "
                + again
                + " for the same inputs";
      }
      for (int i = 0; i < inputs.length; i++) {
        if (!differentiate[i]) {
          reports.add(
              new InputReport(
                  i, inputs[i].shape(), inputs[i].dtype(), false, 0, 0, 0, 0, List.of()));
          continue;
        }
        reports.add(checkInput(options, f, xs, i, analytic[i], weights));
      }
    }
    return new Report(options, outShape, List.copyOf(reports), problem);
  }

  private static InputReport checkInput(
      Options options,
      Function<Tensor[], Tensor> f,
      Tensor[] xs,
      int i,
      double[] analytic,
      double[] weights) {
    Tensor x = xs[i];
    long[] shape = x.shape();
    double eps = options.eps();
    double maxAbs = 0;
    double maxRel = 0;
    long failures = 0;
    List<Mismatch> failed = new ArrayList<>();
    int[] elements = elementsToCheck(analytic.length, options.sample(), options.seed() + i);
    View xv = x.view();
    Backend backend = Backends.of(xv.device());
    for (int j : elements) {
      double original = backend.get(xv, j);
      backend.set(xv, j, original + eps);
      double plus = weighted(f.apply(xs.clone()), weights);
      backend.set(xv, j, original - eps);
      double minus = weighted(f.apply(xs.clone()), weights);
      backend.set(xv, j, original);
      double numeric = (plus - minus) / (2 * eps);
      double a = analytic[j];
      double abs = Math.abs(a - numeric);
      boolean ok = abs <= options.atol() + options.rtol() * Math.abs(numeric);
      if (Double.isNaN(abs)) {
        ok = Double.isNaN(a) && Double.isNaN(numeric);
        abs = ok ? 0 : Double.POSITIVE_INFINITY;
      }
      maxAbs = Math.max(maxAbs, abs);
      maxRel = Math.max(maxRel, Double.isInfinite(abs) ? abs : relative(a, numeric));
      if (!ok) {
        failures++;
        failed.add(new Mismatch(i, unflatten(j, shape), a, numeric));
      }
    }
    List<Mismatch> worst =
        failed.stream()
            .sorted(
                Comparator.comparingDouble(
                        (Mismatch m) ->
                            Double.isNaN(m.absError()) ? Double.POSITIVE_INFINITY : m.absError())
                    .reversed())
            .limit(options.maxShown())
            .toList();
    return new InputReport(
        i, shape, x.dtype(), true, elements.length, maxAbs, maxRel, failures, worst);
  }

  /** Every index below n, or {@code sample} distinct ones in increasing order. */
  private static int[] elementsToCheck(int n, int sample, long seed) {
    if (sample == 0 || sample >= n) {
      return java.util.stream.IntStream.range(0, n).toArray();
    }
    // Floyd's algorithm: a uniform subset without building a permutation of n.
    var random = new SplittableRandom(seed);
    var chosen = new java.util.TreeSet<Integer>();
    for (int j = n - sample; j < n; j++) {
      int t = random.nextInt(j + 1);
      chosen.add(chosen.contains(t) ? j : t);
    }
    return chosen.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * Checks and throws an {@link AssertionError} with the report when a gradient is wrong.
   *
   * @return the report, for callers that want to look at the errors
   */
  public static Report assertGradients(Function<Tensor[], Tensor> f, Tensor... inputs) {
    return assertGradients(Options.defaults(), f, inputs);
  }

  public static Report assertGradients(
      Options options, Function<Tensor[], Tensor> f, Tensor... inputs) {
    Report r = check(options, f, inputs);
    if (!r.passed()) {
      throw new AssertionError(r.toString());
    }
    return r;
  }

  /** Weights in ±[0.5, 1.5): never near zero, so no output element is left out of the check. */
  private static double[] weights(long seed, long n) {
    var random = new SplittableRandom(seed);
    double[] w = new double[Math.toIntExact(n)];
    for (int i = 0; i < w.length; i++) {
      double magnitude = 0.5 + random.nextDouble();
      w[i] = random.nextBoolean() ? magnitude : -magnitude;
    }
    return w;
  }

  private static double weighted(Tensor out, double[] weights) {
    double[] v = out.toDoubleArray();
    double s = 0;
    for (int i = 0; i < v.length; i++) {
      s += weights[i] * v[i];
    }
    return s;
  }

  private static double relative(double a, double b) {
    double scale = Math.max(Math.abs(a), Math.abs(b));
    return scale == 0 ? 0 : Math.abs(a - b) / scale;
  }

  private static long[] unflatten(long flat, long[] shape) {
    long[] index = new long[shape.length];
    for (int d = shape.length - 1; d >= 0; d--) {
      index[d] = flat % shape[d];
      flat /= shape[d];
    }
    return index;
  }
}
