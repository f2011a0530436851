package dev.quiver.runtime.backend;

/** Elementwise primitives of one operand. Everything else elementwise is composed from these. */
public enum UnaryOp {
  NEG, EXP, LOG, SQRT, TANH, SIGMOID, RELU, ABS, SIN, COS, SQUARE, RECIPROCAL, SIGN,
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
