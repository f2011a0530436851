package dev.quiver.runtime.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BinaryOperator;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every differentiable op's backward, checked against float64 central differences. */
class GradCheckTest {

  // ------------------------------------------------------------------ inputs

  /** Standard normal values, float64. */
  static Tensor normal(long seed, long... shape) {
    var r = new SplittableRandom(seed);
    double[] v = new double[Math.toIntExact(dev.quiver.runtime.Shapes.numel(shape))];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextGaussian();
    }
    return Tensor.of(v, shape);
  }

  /** Values in [lo, hi). */
  static Tensor uniform(long seed, double lo, double hi, long... shape) {
    var r = new SplittableRandom(seed);
    double[] v = new double[Math.toIntExact(dev.quiver.runtime.Shapes.numel(shape))];
    for (int i = 0; i < v.length; i++) {
      v[i] = lo + (hi - lo) * r.nextDouble();
    }
    return Tensor.of(v, shape);
  }

  /** Values with |x| in [0.2, 2), random sign: away from the kinks of relu, abs and 1/x. */
  static Tensor awayFromZero(long seed, long... shape) {
    var r = new SplittableRandom(seed);
    double[] v = new double[Math.toIntExact(dev.quiver.runtime.Shapes.numel(shape))];
    for (int i = 0; i < v.length; i++) {
      double m = 0.2 + 1.8 * r.nextDouble();
      v[i] = r.nextBoolean() ? m : -m;
    }
    return Tensor.of(v, shape);
  }

  static GradCheck.Report check(Function<Tensor[], Tensor> f, Tensor... inputs) {
    return GradCheck.assertGradients(f, inputs);
  }

  // ------------------------------------------------------------------ unary

  @Test
  void neg() {
    check(x -> x[0].neg(), normal(1, 3, 4));
  }

  @Test
  void exp() {
    check(x -> x[0].exp(), normal(2, 3, 4));
  }

  @Test
  void log() {
    check(x -> x[0].log(), uniform(3, 0.3, 3, 3, 4));
  }

  @Test
  void sqrt() {
    check(x -> x[0].sqrt(), uniform(4, 0.3, 3, 3, 4));
  }

  @Test
  void tanh() {
    check(x -> x[0].tanh(), normal(5, 3, 4));
  }

  @Test
  void sigmoid() {
    check(x -> x[0].sigmoid(), normal(6, 3, 4).mul(3));
  }

  @Test
  void relu() {
    check(x -> x[0].relu(), awayFromZero(7, 3, 4));
  }

  @Test
  void abs() {
    check(x -> x[0].abs(), awayFromZero(8, 3, 4));
  }

  @Test
  void sin() {
    check(x -> x[0].sin(), normal(9, 3, 4).mul(2));
  }

  @Test
  void cos() {
    check(x -> x[0].cos(), normal(10, 3, 4).mul(2));
  }

  @Test
  void square() {
    check(x -> x[0].square(), normal(11, 3, 4));
  }

  @Test
  void reciprocal() {
    check(x -> x[0].reciprocal(), awayFromZero(12, 3, 4));
  }

  @Test
  void signHasZeroGradient() {
    var r = check(x -> x[0].sign().mul(x[0]), awayFromZero(13, 5));
    assertEquals(0, r.maxAbsError(), 1e-6);
  }

  @Test
  void unaryOnStridedInput() {
    // The gradient must land on the right elements when the op reads a transposed, sliced view.
    check(x -> x[0].transpose().slice(0, 1, 4, 2).exp(), normal(14, 3, 4));
  }

  // ------------------------------------------------------------------ binary

  record Op(String name, BinaryOperator<Tensor> f) {
    @Override
    public String toString() {
      return name;
    }
  }

  static final List<Op> BINARY =
      List.of(
          new Op("add", Tensor::add),
          new Op("sub", Tensor::sub),
          new Op("mul", Tensor::mul),
          new Op("div", Tensor::div),
          new Op("pow", Tensor::pow),
          new Op("maximum", Tensor::maximum),
          new Op("minimum", Tensor::minimum));

  static final List<long[][]> SHAPES =
      List.of(
          new long[][] {{3, 4}, {3, 4}},
          new long[][] {{3, 4}, {4}},
          new long[][] {{4}, {3, 4}},
          new long[][] {{3, 1}, {1, 4}},
          new long[][] {{}, {2, 3}},
          new long[][] {{2, 3}, {}},
          new long[][] {{2, 1, 3}, {4, 1}});

  static Stream<Arguments> binaryCases() {
    return BINARY.stream().flatMap(op -> SHAPES.stream().map(s -> Arguments.of(op, s[0], s[1])));
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("binaryCases")
  void binary(Op op, long[] sa, long[] sb) {
    Tensor a;
    Tensor b;
    switch (op.name()) {
      // pow: positive base; div: divisor away from 0.
      case "pow" -> {
        a = uniform(21, 0.5, 2, sa);
        b = normal(22, sb);
      }
      case "div" -> {
        a = normal(21, sa);
        b = awayFromZero(22, sb);
      }
      // maximum/minimum: values far apart (no ties within eps) on a coarse random grid.
      default -> {
        a = normal(21, sa);
        b = normal(22, sb);
      }
    }
    check(x -> op.f().apply(x[0], x[1]), a, b);
  }

  @Test
  void sameOperandTwice() {
    // x*x and x+x: both paths of the gradient land on the same leaf.
    check(x -> x[0].mul(x[0]).add(x[0]), normal(23, 3));
  }

  @Test
  void scalarOperandForms() {
    check(x -> x[0].add(2).sub(0.5).mul(3).div(4).rsub(1).rdiv(2), uniform(24, 0.5, 2, 5));
    check(x -> x[0].pow(3), normal(25, 5));
    check(x -> x[0].pow(0.5), uniform(26, 0.5, 2, 5));
  }

  @Test
  void powExponentGradient() {
    // d(a^b)/db = a^b ln a, with a a constant.
    var r =
        GradCheck.assertGradients(
            GradCheck.Options.defaults().constants(0),
            x -> x[0].pow(x[1]),
            uniform(27, 0.5, 3, 2, 3),
            normal(28, 2, 3));
    assertFalse(r.inputs().get(0).checked());
    assertTrue(r.inputs().get(1).checked());
  }

  @Test
  void where() {
    Tensor cond = Tensor.of(new double[] {1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0}, 3, 4);
    var r =
        GradCheck.assertGradients(
            GradCheck.Options.defaults().constants(0),
            x -> Tensor.where(x[0], x[1], x[2]),
            cond,
            normal(31, 3, 4),
            normal(32, 3, 4));
    assertEquals(3, r.inputs().size());
    // Broadcast condition and values: [3,1] a with [4] b under a [3,4] condition.
    GradCheck.assertGradients(
        GradCheck.Options.defaults().constants(0),
        x -> Tensor.where(x[0], x[1], x[2]),
        cond,
        normal(33, 3, 1),
        normal(34, 4));
    // A condition computed from the input: the gradient flows only through the chosen branch.
    check(x -> Tensor.where(x[0].gt(0), x[0].square(), x[0].neg().exp()), awayFromZero(35, 7));
  }

  @Test
  void castBetweenFloats() {
    // float32 rounding needs a larger step; the functions are at most quadratic, so central
    // differences are exact.
    var loose = GradCheck.Options.defaults().eps(1e-2).atol(1e-4).rtol(1e-3);
    GradCheck.assertGradients(
        loose, x -> x[0].to(DType.FLOAT32).square().mul(3).to(DType.FLOAT64), normal(36, 3, 4));
    GradCheck.assertGradients(loose, x -> x[0].to(DType.FLOAT32).mul(2).add(1), normal(37, 5));
    check(x -> x[0].to(DType.FLOAT64).square(), normal(38, 5));
  }

  @Test
  void clamp() {
    // Elements strictly inside, below and above [-0.5, 0.5]; none at the bounds.
    check(x -> x[0].clamp(-0.5, 0.5), Tensor.of(-1.3, -0.7, -0.2, 0.1, 0.45, 0.9, 2.0, -0.49));
  }

  // ------------------------------------------------------------------ reductions

  @Test
  void sum() {
    Tensor x = normal(41, 2, 3, 4);
    check(t -> t[0].sum(), x);
    check(t -> t[0].sum(1), x);
    check(t -> t[0].sum(-1, true), x);
    check(t -> t[0].sum(new int[] {0, 2}, false), x);
    check(t -> t[0].sum(new int[] {2, 0}, true), x);
    check(t -> t[0].sum(new int[] {0, 1, 2}, true), x);
  }

  @Test
  void mean() {
    Tensor x = normal(42, 2, 3, 4);
    check(t -> t[0].mean(), x);
    check(t -> t[0].mean(0), x);
    check(t -> t[0].mean(1, true), x);
    check(t -> t[0].mean(new int[] {0, -1}, false), x);
    check(t -> t[0].mean(new int[] {1, 2}, true), x);
  }

  @Test
  void maxAndMin() {
    // Distinct values: no ties, so the gradient goes to a single winner.
    Tensor x = normal(43, 2, 3, 4);
    for (boolean keep : new boolean[] {false, true}) {
      check(t -> t[0].max(), x);
      check(t -> t[0].min(), x);
      check(t -> t[0].max(1, keep), x);
      check(t -> t[0].min(-1, keep), x);
      check(t -> t[0].max(0, keep), x);
    }
  }

  @Test
  void maxTieSharesGradientEqually() {
    Tensor x = Tensor.of(new double[] {1, 3, 3, 2}, 4).requiresGrad();
    x.max().backward();
    assertArrayEquals(new double[] {0, 0.5, 0.5, 0}, x.grad().toDoubleArray(), 0);
  }

  @Test
  void variance() {
    Tensor x = normal(44, 3, 5);
    check(t -> t[0].variance(1, false), x);
    check(t -> t[0].variance(0, true), x);
  }

  @Test
  void logSumExp() {
    Tensor x = normal(45, 3, 5).mul(3);
    check(t -> t[0].logSumExp(1, false), x);
    check(t -> t[0].logSumExp(0, true), x);
    // Large values: the shift keeps it finite, and the gradient is still softmax.
    check(t -> t[0].add(500).logSumExp(-1, false), x);
  }

  @Test
  void softmax() {
    Tensor x = normal(46, 3, 5);
    check(t -> t[0].softmax(1), x);
    check(t -> t[0].softmax(0), x);
    check(t -> t[0].mul(100).softmax(-1), x.mul(0.05));
  }

  @Test
  void logSoftmax() {
    Tensor x = normal(47, 2, 3, 4);
    check(t -> t[0].logSoftmax(-1), x);
    check(t -> t[0].logSoftmax(1), x);
  }

  // ------------------------------------------------------------------ matmul

  @Test
  void matmul2d() {
    check(x -> x[0].matmul(x[1]), normal(51, 3, 4), normal(52, 4, 5));
  }

  @Test
  void matmulVectorMatrix() {
    check(x -> x[0].matmul(x[1]), normal(53, 4), normal(54, 4, 5));
  }

  @Test
  void matmulMatrixVector() {
    check(x -> x[0].matmul(x[1]), normal(55, 3, 4), normal(56, 4));
  }

  @Test
  void matmulVectorVector() {
    check(x -> x[0].matmul(x[1]), normal(57, 4), normal(58, 4));
  }

  @Test
  void matmulBatchedWithMatrix() {
    check(x -> x[0].matmul(x[1]), normal(59, 2, 3, 4), normal(60, 4, 5));
  }

  @Test
  void matmulMatrixWithBatched() {
    check(x -> x[0].matmul(x[1]), normal(61, 3, 4), normal(62, 2, 4, 5));
  }

  @Test
  void matmulBatched() {
    check(x -> x[0].matmul(x[1]), normal(63, 2, 3, 4), normal(64, 2, 4, 5));
  }

  @Test
  void matmulBroadcastBatch() {
    check(x -> x[0].matmul(x[1]), normal(65, 1, 3, 4), normal(66, 2, 4, 5));
  }

  @Test
  void matmulBatchedVector() {
    check(x -> x[0].matmul(x[1]), normal(67, 2, 3, 4), normal(68, 4));
  }

  @Test
  void matmulTransposedOperands() {
    check(x -> x[0].transpose().matmul(x[1]), normal(69, 4, 3), normal(70, 4, 5));
    check(x -> x[0].matmul(x[1].transpose()), normal(71, 3, 4), normal(72, 5, 4));
    check(x -> x[0].transpose().matmul(x[1].transpose()), normal(73, 4, 3), normal(74, 5, 4));
    check(x -> x[0].transpose(0, 2).matmul(x[1]), normal(75, 4, 3, 2), normal(76, 4, 5));
  }

  // ------------------------------------------------------------------ movement

  @Test
  void reshape() {
    check(x -> x[0].reshape(4, 3), normal(81, 3, 4));
    check(x -> x[0].reshape(-1), normal(82, 3, 4));
    check(x -> x[0].reshape(2, -1, 2), normal(83, 3, 4));
    // Non-contiguous input: reshape copies, and the gradient flows through the copy.
    check(
        x -> x[0].transpose().reshape(12).mul(Tensor.arange(12).to(DType.FLOAT64)),
        normal(84, 3, 4));
    check(x -> x[0].flatten(), normal(85, 2, 2, 2));
  }

  @Test
  void permuteAndTranspose() {
    Tensor w = normal(86, 4, 2, 3);
    check(x -> x[0].permute(2, 0, 1).mul(w), normal(87, 2, 3, 4));
    check(x -> x[0].permute(-1, 0, 1).mul(w), normal(87, 2, 3, 4));
    check(
        x -> x[0].transpose().mul(Tensor.arange(6).reshape(3, 2).to(DType.FLOAT64)),
        normal(88, 2, 3));
    check(x -> x[0].transpose(0, 2).contiguous(), normal(89, 2, 3, 4));
  }

  @Test
  void slice() {
    Tensor x = normal(91, 5, 6);
    check(t -> t[0].slice(1, 1, 5), x);
    check(t -> t[0].slice(1, 0, 6, 2), x);
    check(t -> t[0].slice(0, -4, -1, 2), x);
    check(t -> t[0].slice(1, 1, 100, 3).slice(0, 1, 4), x);
    // Overlapping slices: both gradients add up on the shared elements.
    check(t -> t[0].slice(1, 0, 4).mul(t[0].slice(1, 2, 6)), x);
  }

  @Test
  void select() {
    Tensor x = normal(92, 3, 4);
    check(t -> t[0].select(0, 1), x);
    check(t -> t[0].select(1, -1), x);
    check(t -> t[0].select(1, 0).mul(t[0].select(1, 2)), x);
  }

  @Test
  void expand() {
    check(
        x -> x[0].expand(3, 4).mul(Tensor.arange(12).reshape(3, 4).to(DType.FLOAT64)),
        normal(93, 3, 1));
    check(x -> x[0].expand(2, 3, 4), normal(94, 4));
    check(x -> x[0].expand(-1, 5), normal(95, 2, 1));
  }

  @Test
  void squeezeAndUnsqueeze() {
    check(x -> x[0].squeeze(1), normal(96, 3, 1, 2));
    check(x -> x[0].unsqueeze(0), normal(97, 3, 2));
    check(x -> x[0].unsqueeze(-1).expand(3, 2, 4), normal(98, 3, 2));
  }

  @Test
  void copyAndContiguous() {
    check(x -> x[0].copy(), normal(99, 3, 4));
    check(x -> x[0].transpose().contiguous(), normal(100, 3, 4));
    check(x -> x[0].slice(1, 0, 4, 2).copy(), normal(101, 3, 4));
  }

  // ------------------------------------------------------------------ indexing and joining

  @Test
  void gather() {
    Tensor index = Tensor.ofInts(new int[] {0, 2, 2, 1, 3, 0}, 3, 2);
    var r = check(x -> x[0].gather(1, x[1]), normal(111, 3, 4), index);
    assertFalse(r.inputs().get(1).checked());
    // Along axis 0, with an index smaller than the input along the other axis and repeated entries.
    check(
        x -> x[0].gather(0, x[1]),
        normal(112, 3, 4),
        Tensor.ofInts(new int[] {2, 2, 0, 1, 1, 1}, 2, 3));
  }

  @Test
  void indexSelect() {
    check(x -> x[0].indexSelect(0, x[1]), normal(113, 5, 3), Tensor.ofInts(4, 0, 4, 2));
    check(x -> x[0].indexSelect(1, x[1]), normal(114, 2, 5), Tensor.ofInts(1, 1, 3));
  }

  @Test
  void concat() {
    check(x -> Tensor.concat(0, x[0], x[1]), normal(115, 2, 3), normal(116, 4, 3));
    check(
        x -> Tensor.concat(-1, x[0], x[1], x[2]),
        normal(117, 2, 1),
        normal(118, 2, 3),
        normal(119, 2, 2));
    check(x -> Tensor.concat(0, x[0], x[0].mul(2)), normal(120, 3));
  }

  @Test
  void stack() {
    check(x -> Tensor.stack(0, x[0], x[1]), normal(121, 2, 3), normal(122, 2, 3));
    check(x -> Tensor.stack(-1, x[0], x[1], x[0]), normal(123, 2, 3), normal(124, 2, 3));
    check(x -> Tensor.stack(1, x[0], x[1]), normal(125, 2, 3), normal(126, 2, 3));
  }

  // ------------------------------------------------------------------ composite

  @Test
  void twoLayerMlpWithSoftmaxCrossEntropy() {
    Tensor labels = Tensor.ofInts(0, 2, 1, 2, 0);
    check(
        p -> {
          Tensor hidden = p[0].matmul(p[1]).add(p[2]).relu();
          Tensor logits = hidden.matmul(p[3]).add(p[4]);
          Tensor logProbs = logits.logSoftmax(1);
          return logProbs.gather(1, p[5].reshape(5, 1)).mean().neg();
        },
        normal(131, 5, 4),
        normal(132, 4, 6),
        normal(133, 6),
        normal(134, 6, 3),
        normal(135, 3),
        labels);
  }

  @Test
  void compositeLossesFromPrimitives() {
    // Mean squared error and binary cross-entropy on sigmoid outputs.
    check(p -> p[0].sub(p[1]).square().mean(), normal(136, 4, 3), normal(137, 4, 3));
    check(
        p -> {
          Tensor prob = p[0].sigmoid();
          Tensor y = p[1];
          return y.mul(prob.log()).add(y.rsub(1).mul(prob.rsub(1).log())).mean().neg();
        },
        normal(138, 6),
        uniform(139, 0, 1, 6));
    // Layer norm over the last axis.
    check(
        p -> p[0].sub(p[0].mean(-1, true)).div(p[0].variance(-1, true).add(1e-5).sqrt()),
        normal(140, 3, 5));
  }

  // ------------------------------------------------------------------ the checker itself

  @Nested
  class Checker {
    /** x² with a backward that says x instead of 2x. */
    Tensor wrongSquare(Tensor x) {
      Tensor out;
      try (var ng = Autograd.noGrad()) {
        out = x.square();
      }
      return Autograd.record(out, "wrongSquare", g -> new Tensor[] {g.mul(x)}, x);
    }

    @Test
    void catchesAWrongBackward() {
      Tensor x = Tensor.of(new double[] {1, -2, 3}, 3);
      var r = GradCheck.check(t -> wrongSquare(t[0]), x);
      assertFalse(r.passed());
      var in = r.inputs().get(0);
      assertEquals(3, in.failures());
      // Worst first: the error is |x| * w for weight w, largest at x = 3.
      var worst = in.worst().get(0);
      assertArrayEquals(new long[] {2}, worst.index());
      assertEquals(worst.analytic() * 2, worst.numeric(), 1e-6);
      var e =
          assertThrows(
              AssertionError.class, () -> GradCheck.assertGradients(t -> wrongSquare(t[0]), x));
      assertTrue(e.getMessage().contains("FAILED"), e.getMessage());
      assertTrue(e.getMessage().contains("input 0 at [2]"), e.getMessage());
      assertTrue(e.getMessage().contains("analytic"), e.getMessage());
      assertTrue(e.getMessage().contains("numeric"), e.getMessage());
      assertTrue(e.getMessage().contains("3 of 3 elements outside tolerance"), e.getMessage());
    }

    @Test
    void catchesAMissingGradient() {
      Tensor x = normal(141, 2, 2);
      var r =
          GradCheck.check(
              t -> {
                Tensor out;
                try (var ng = Autograd.noGrad()) {
                  out = t[0].exp();
                }
                return Autograd.record(out, "noGradient", g -> new Tensor[] {null}, t[0]);
              },
              x);
      assertFalse(r.passed());
      assertEquals(4, r.inputs().get(0).failures());
    }

    @Test
    void catchesAGradientOnTheWrongElement() {
      // A backward that transposes where it should not: right values, wrong places.
      Tensor x = normal(142, 3, 3);
      var r =
          GradCheck.check(
              t -> {
                Tensor out;
                try (var ng = Autograd.noGrad()) {
                  out = t[0].mul(Tensor.arange(9).reshape(3, 3).to(DType.FLOAT64));
                }
                Tensor w = Tensor.arange(9).reshape(3, 3).to(DType.FLOAT64);
                return Autograd.record(
                    out, "misplaced", g -> new Tensor[] {g.mul(w).transpose().contiguous()}, t[0]);
              },
              x);
      assertFalse(r.passed());
    }

    @Test
    void catchesAWrongSecondInput() {
      Tensor a = normal(143, 3);
      Tensor b = normal(144, 3);
      var r =
          GradCheck.check(
              t -> {
                Tensor out;
                try (var ng = Autograd.noGrad()) {
                  out = t[0].mul(t[1]);
                }
                return Autograd.record(
                    out, "mulWrongB", g -> new Tensor[] {g.mul(t[1]), g.mul(t[1])}, t[0], t[1]);
              },
              a,
              b);
      assertTrue(r.inputs().get(0).passed());
      assertFalse(r.inputs().get(1).passed());
      assertFalse(r.passed());
    }

    @Test
    void passingReportListsEveryInput() {
      var r = check(t -> t[0].mul(t[1]).sum(0), normal(145, 2, 3), normal(146, 3));
      assertTrue(r.passed());
      assertEquals(2, r.inputs().size());
      assertArrayEquals(new long[] {3}, r.outputShape());
      assertTrue(r.maxAbsError() < 1e-6, r.toString());
      assertTrue(r.toString().startsWith("GradCheck passed"), r.toString());
      assertTrue(r.mismatches().isEmpty());
    }

    @Test
    void leavesTheCallersInputsAlone() {
      Tensor x = Tensor.of(1f, 2f, 3f).requiresGrad();
      check(t -> t[0].square(), x);
      assertArrayEquals(new float[] {1, 2, 3}, x.toFloatArray());
      assertNull(x.grad());
      assertEquals(DType.FLOAT32, x.dtype());
    }

    @Test
    void reportsANonDeterministicFunction() {
      var r = GradCheck.check(t -> t[0].add(Tensor.rand(3).to(DType.FLOAT64)), normal(147, 3));
      assertFalse(r.passed());
      assertTrue(r.problem().contains("not deterministic"), r.toString());
    }

    @Test
    void refusesToRunUnderNoGrad() {
      try (var ng = Autograd.noGrad()) {
        var e =
            assertThrows(
                IllegalStateException.class,
                () -> GradCheck.check(t -> t[0].exp(), normal(148, 2)));
        assertTrue(e.getMessage().contains("noGrad"), e.getMessage());
      }
    }

    @Test
    void samplesElementsOfBigInputs() {
      var sampled = GradCheck.Options.defaults().sample(25);
      var r =
          GradCheck.assertGradients(
              sampled, t -> t[0].matmul(t[1]).tanh(), normal(149, 40, 50), normal(150, 50, 3));
      assertEquals(25, r.inputs().get(0).elementsChecked());
      assertEquals(25, r.inputs().get(1).elementsChecked());
      assertTrue(r.toString().contains("(25 sampled elements)"), r.toString());
      // Sampling still catches a gradient that is wrong everywhere.
      var bad = GradCheck.check(sampled, t -> wrongSquare(t[0]), uniform(151, 0.5, 2, 30, 30));
      assertEquals(25, bad.inputs().get(0).failures());
      assertFalse(bad.passed());
      // Without sampling, every element is checked.
      assertEquals(12, check(t -> t[0].exp(), normal(152, 3, 4)).inputs().get(0).elementsChecked());
    }

    @Test
    void toleranceIsConfigurable() {
      Tensor x = Tensor.of(new double[] {1, -2, 3}, 3);
      // The wrong backward is off by a factor 2; a tolerance of 100% relative lets it pass.
      var r = GradCheck.check(GradCheck.Options.defaults().rtol(1.01), t -> wrongSquare(t[0]), x);
      assertTrue(r.passed(), r.toString());
      assertThrows(IllegalArgumentException.class, () -> GradCheck.Options.defaults().eps(0));
    }
  }
}
