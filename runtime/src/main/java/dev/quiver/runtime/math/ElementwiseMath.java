package dev.quiver.runtime.math;

/**
 * The elementwise surface of tensors and of fused expressions, written once: every method here is a
 * default over three primitives, {@link #unary}, {@link #binary} and {@link #constantLike}, which
 * {@code Tensor} computes at once (with autodiff) and {@code Fused} records for one pass
 * (tinygrad's MathTrait). Beside each group of methods is the enum of its primitives, with the
 * scalar definition every kernel must agree with.
 *
 * <p>To add an elementwise op: its constant and scalar definition in {@link UnaryOp} or {@link
 * BinaryOp} and its method here (this file); its derivative beside the forward ({@code
 * ops/Elementwise}); optionally a vector loop in the CPU kernel ({@code
 * backend/cpu/ElementwiseKernels}; without one the scalar definition runs); its case in the CUDA
 * kernels ({@code prelude.cu}, which switches on the generated {@code QV_UNARY_<NAME>} / {@code
 * QV_BINARY_<NAME>} codes). A test fails for each of these that is missing.
 *
 * @param <T> the implementing type: results and operands are of that type
 */
public interface ElementwiseMath<T extends ElementwiseMath<T>> {

  // ---------------------------------------------------------------- primitives

  /** {@code op} applied to every element. */
  T unary(UnaryOp op);

  /** {@code this op other} element by element, with numpy broadcasting. */
  T binary(BinaryOp op, T other);

  /** A rank-0 constant of this one's element type (and place), to combine with it. */
  T constantLike(double value);

  @SuppressWarnings(
      "unchecked") // T is the implementing type, by the contract of the type parameter
  private T self() {
    return (T) this;
  }

  // ---------------------------------------------------------------- one operand

  /** Elementwise primitives of one operand. Everything else elementwise is composed from these. */
  enum UnaryOp {
    NEG,
    EXP,
    LOG,
    SQRT,
    TANH,
    SIGMOID,
    RELU,
    ABS,
    SIN,
    COS,
    SQUARE,
    RECIPROCAL,
    SIGN,
    /** 1 where x > 0, else 0: the derivative of relu. */
    STEP;

    /** The scalar definition: the reference every vectorised kernel must agree with. */
    public double apply(double x) {
      return switch (this) {
        case NEG -> -x;
        case EXP -> Math.exp(x);
        case LOG -> Math.log(x);
        case SQRT -> Math.sqrt(x);
        case TANH -> Math.tanh(x);
        case SIGMOID -> x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
        case RELU -> x > 0 ? x : 0;
        case ABS -> Math.abs(x);
        case SIN -> Math.sin(x);
        case COS -> Math.cos(x);
        case SQUARE -> x * x;
        case RECIPROCAL -> 1 / x;
        case SIGN -> Math.signum(x);
        case STEP -> x > 0 ? 1 : 0;
      };
    }
  }

  default T neg() {
    return unary(UnaryOp.NEG);
  }

  default T exp() {
    return unary(UnaryOp.EXP);
  }

  default T log() {
    return unary(UnaryOp.LOG);
  }

  default T sqrt() {
    return unary(UnaryOp.SQRT);
  }

  default T tanh() {
    return unary(UnaryOp.TANH);
  }

  default T sigmoid() {
    return unary(UnaryOp.SIGMOID);
  }

  default T relu() {
    return unary(UnaryOp.RELU);
  }

  default T abs() {
    return unary(UnaryOp.ABS);
  }

  default T sin() {
    return unary(UnaryOp.SIN);
  }

  default T cos() {
    return unary(UnaryOp.COS);
  }

  default T square() {
    return unary(UnaryOp.SQUARE);
  }

  default T reciprocal() {
    return unary(UnaryOp.RECIPROCAL);
  }

  default T sign() {
    return unary(UnaryOp.SIGN);
  }

  // ---------------------------------------------------------------- two operands

  /**
   * Elementwise primitives of two operands (numpy broadcasting happens before a kernel sees them).
   */
  enum BinaryOp {
    ADD,
    SUB,
    MUL,
    DIV,
    POW,
    MAX,
    MIN,
    EQ,
    NE,
    LT,
    LE,
    GT,
    GE;

    /** Comparisons give 1 or 0 in the operands' type (and have no gradient). */
    public boolean isComparison() {
      return switch (this) {
        case EQ, NE, LT, LE, GT, GE -> true;
        default -> false;
      };
    }

    /** The scalar definition: the reference every vectorised kernel must agree with. */
    public double apply(double a, double b) {
      return switch (this) {
        case ADD -> a + b;
        case SUB -> a - b;
        case MUL -> a * b;
        case DIV -> a / b;
        case POW -> Math.pow(a, b);
        case MAX -> Math.max(a, b);
        case MIN -> Math.min(a, b);
        case EQ -> a == b ? 1 : 0;
        case NE -> a != b ? 1 : 0;
        case LT -> a < b ? 1 : 0;
        case LE -> a <= b ? 1 : 0;
        case GT -> a > b ? 1 : 0;
        case GE -> a >= b ? 1 : 0;
      };
    }
  }

  default T add(T o) {
    return binary(BinaryOp.ADD, o);
  }

  default T sub(T o) {
    return binary(BinaryOp.SUB, o);
  }

  default T mul(T o) {
    return binary(BinaryOp.MUL, o);
  }

  default T div(T o) {
    return binary(BinaryOp.DIV, o);
  }

  default T pow(T o) {
    return binary(BinaryOp.POW, o);
  }

  /** Elementwise maximum (numpy's maximum); a tensor's {@code max()} is the reduction. */
  default T maximum(T o) {
    return binary(BinaryOp.MAX, o);
  }

  default T minimum(T o) {
    return binary(BinaryOp.MIN, o);
  }

  default T eq(T o) {
    return binary(BinaryOp.EQ, o);
  }

  default T ne(T o) {
    return binary(BinaryOp.NE, o);
  }

  default T lt(T o) {
    return binary(BinaryOp.LT, o);
  }

  default T le(T o) {
    return binary(BinaryOp.LE, o);
  }

  default T gt(T o) {
    return binary(BinaryOp.GT, o);
  }

  default T ge(T o) {
    return binary(BinaryOp.GE, o);
  }

  default T add(double c) {
    return add(constantLike(c));
  }

  default T sub(double c) {
    return sub(constantLike(c));
  }

  default T mul(double c) {
    return mul(constantLike(c));
  }

  default T div(double c) {
    return div(constantLike(c));
  }

  default T pow(double c) {
    return pow(constantLike(c));
  }

  default T maximum(double c) {
    return maximum(constantLike(c));
  }

  default T minimum(double c) {
    return minimum(constantLike(c));
  }

  default T eq(double c) {
    return eq(constantLike(c));
  }

  default T ne(double c) {
    return ne(constantLike(c));
  }

  default T lt(double c) {
    return lt(constantLike(c));
  }

  default T le(double c) {
    return le(constantLike(c));
  }

  default T gt(double c) {
    return gt(constantLike(c));
  }

  default T ge(double c) {
    return ge(constantLike(c));
  }

  /** c - this. */
  default T rsub(double c) {
    return constantLike(c).sub(self());
  }

  /** c / this. */
  default T rdiv(double c) {
    return constantLike(c).div(self());
  }

  /** Limits every element to [lo, hi]. */
  default T clamp(double lo, double hi) {
    if (lo > hi) {
      throw new IllegalArgumentException(
          "clamp: lower bound " + lo + " is above upper bound " + hi);
    }
    return maximum(lo).minimum(hi);
  }
}
