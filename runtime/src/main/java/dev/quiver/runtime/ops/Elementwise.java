package dev.quiver.runtime.ops;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Shapes;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import dev.quiver.runtime.backend.Backends;
import dev.quiver.runtime.backend.ElementwiseProgram;
import dev.quiver.runtime.backend.View;
import dev.quiver.runtime.math.ElementwiseMath.BinaryOp;
import dev.quiver.runtime.math.ElementwiseMath.UnaryOp;
import java.util.Arrays;
import java.util.Locale;

/** Elementwise ops: each forward, then its derivative right below it (micrograd-style). */
public final class Elementwise {
  private Elementwise() {}

  private static final String[] UNARY_NAMES = names(UnaryOp.values());
  private static final String[] BINARY_NAMES = names(BinaryOp.values());
  // Built once: a training step adds in place several times, and in a fresh JVM's first fit
  // (interpreted) a name built per call is a measurable share of the op.
  private static final String[] IN_PLACE_NAMES = inPlaceNames();

  private static String[] inPlaceNames() {
    String[] n = names(BinaryOp.values());
    for (int i = 0; i < n.length; i++) {
      n[i] += "InPlace";
    }
    return n;
  }

  private static String[] names(Enum<?>[] ops) {
    String[] n = new String[ops.length];
    for (int i = 0; i < ops.length; i++) {
      n[i] = ops[i].name().toLowerCase(Locale.ROOT);
    }
    return n;
  }

  public static Tensor unary(UnaryOp op, Tensor x) {
    DType outType = x.dtype().isFloating() || keepsIntegers(op) ? x.dtype() : DType.FLOAT32;
    Tensor out = Tensor.emptyLike(x, outType);
    Backends.of(x.device()).unary(op, x.view(), out.view());
    if (!Autograd.needsGrad(x)) {
      return out;
    }
    return Autograd.record(
        out, UNARY_NAMES[op.ordinal()], g -> new Tensor[] {unaryGrad(op, x, out, g)}, x);
  }

  /** d out / d x times the upstream gradient g, for out = op(x). */
  private static Tensor unaryGrad(UnaryOp op, Tensor x, Tensor out, Tensor g) {
    return switch (op) {
      case NEG -> g.neg();
      case EXP -> g.mul(out); // (e^x)' = e^x
      case LOG -> g.div(x); // (ln x)' = 1/x
      case SQRT -> g.div(out.mul(2)); // (√x)' = 1/(2√x)
      case TANH -> g.mul(out.square().rsub(1)); // tanh' = 1 - tanh²
      case SIGMOID -> g.mul(out.mul(out.rsub(1))); // σ' = σ(1 - σ)
      // relu' = 1 where x > 0; fused: one pass over g and x, no mask tensor (float32)
      case RELU -> reluGrad(g, x);
      case ABS -> g.mul(unary(UnaryOp.SIGN, x));
      case SIN -> g.mul(x.cos());
      case COS -> g.mul(x.sin()).neg();
      case SQUARE -> g.mul(x.mul(2));
      case RECIPROCAL -> g.mul(out.square()).neg(); // (1/x)' = -1/x²
      case SIGN, STEP -> null; // piecewise constant: no gradient
    };
  }

  /**
   * relu's backward, g · step(x), in one pass over g and x with no mask tensor: {@code
   * Fused.of(g).mul(Fused.of(x).unary(STEP)).eval()}, the same program that expression compiles to,
   * built once. Every training step of a relu model runs it per layer, and in a fresh JVM's first
   * fit (interpreted code) building and compiling the expression each time cost more than the pass.
   * Anything else (other types, shapes that broadcast, a backend without fused programs) takes the
   * expression.
   */
  static Tensor reluGrad(Tensor g, Tensor x) {
    if (g.dtype() == DType.FLOAT32
        && x.dtype() == DType.FLOAT32
        && g.device().equals(x.device())
        && Arrays.equals(g.shape(), x.shape())
        && !Autograd.needsGrad(g, x)) {
      Tensor out = Tensor.empty(x.device(), DType.FLOAT32, x.shape());
      if (Backends.of(out.device()).fused(RELU_GRAD, new View[] {g.view(), x.view()}, out.view())) {
        return out;
      }
      out.close();
    }
    return Fused.of(g).mul(Fused.of(x).unary(UnaryOp.STEP)).eval();
  }

  // out = input0 · step(input1): what Fused.compile makes of g.mul(x.unary(STEP)).
  private static final ElementwiseProgram RELU_GRAD =
      new ElementwiseProgram(
          new byte[] {ElementwiseProgram.UNARY, ElementwiseProgram.BINARY},
          new byte[] {(byte) UnaryOp.STEP.ordinal(), (byte) BinaryOp.MUL.ordinal()},
          new int[] {
            ElementwiseProgram.operand(ElementwiseProgram.REG, 0),
            ElementwiseProgram.operand(ElementwiseProgram.OUT, 0)
          },
          new int[] {
            ElementwiseProgram.operand(ElementwiseProgram.INPUT, 1),
            ElementwiseProgram.operand(ElementwiseProgram.INPUT, 0)
          },
          new int[] {
            ElementwiseProgram.operand(ElementwiseProgram.INPUT, 1),
            ElementwiseProgram.operand(ElementwiseProgram.REG, 0)
          },
          new float[0],
          1,
          2);

  private static boolean keepsIntegers(UnaryOp op) {
    return switch (op) {
      case NEG, ABS, SQUARE, SIGN, RELU, STEP -> true;
      default -> false;
    };
  }

  public static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
    String name = BINARY_NAMES[op.ordinal()];
    checkCompatible(name, a, b);
    Tensor out;
    if (a.sameShape(b)) {
      // The common case needs no broadcasting: no shape arithmetic, no views.
      out = Tensor.emptyLike(a, a.dtype());
      Backends.of(a.device()).binary(op, a.view(), b.view(), out.view());
    } else {
      long[] shape = Shapes.broadcast(name, a.shape(), b.shape());
      out = Tensor.empty(a.device(), a.dtype(), shape);
      Backends.of(a.device())
          .binary(
              op,
              Movement.broadcastView(a.view(), shape),
              Movement.broadcastView(b.view(), shape),
              out.view());
    }
    if (op.isComparison() || !Autograd.needsGrad(a, b)) {
      return out;
    }
    return Autograd.record(
        out,
        name,
        g -> {
          Tensor[] grads = binaryGrad(op, a, b, out, g);
          return new Tensor[] {
            Reductions.sumTo(grads[0], a.shape()), Reductions.sumTo(grads[1], b.shape())
          };
        },
        a,
        b);
  }

  /**
   * Gradients for both operands of out = a op b, at the broadcast shape (summed back by the
   * caller).
   */
  private static Tensor[] binaryGrad(BinaryOp op, Tensor a, Tensor b, Tensor out, Tensor g) {
    boolean da = a.isGradRequired();
    boolean db = b.isGradRequired();
    return switch (op) {
      case ADD -> new Tensor[] {g, g};
      case SUB -> new Tensor[] {g, db ? g.neg() : null};
      case MUL -> new Tensor[] {da ? g.mul(b) : null, db ? g.mul(a) : null};
      // d(a/b)/da = 1/b, d(a/b)/db = -a/b²
      case DIV -> new Tensor[] {da ? g.div(b) : null, db ? g.mul(out).div(b).neg() : null};
      // d(a^b)/da = b·a^(b-1), d(a^b)/db = a^b·ln a
      case POW ->
          new Tensor[] {
            da ? g.mul(b).mul(a.pow(b.sub(1))) : null, db ? g.mul(out).mul(a.log()) : null
          };
      // The larger operand takes the gradient; ties go to a, as a derivative from the left would.
      case MAX -> {
        Tensor mask = a.ge(b);
        yield new Tensor[] {da ? g.mul(mask) : null, db ? g.mul(mask.rsub(1)) : null};
      }
      case MIN -> {
        Tensor mask = a.le(b);
        yield new Tensor[] {da ? g.mul(mask) : null, db ? g.mul(mask.rsub(1)) : null};
      }
      case EQ, NE, LT, LE, GT, GE -> new Tensor[] {null, null};
    };
  }

  public static Tensor where(Tensor cond, Tensor a, Tensor b) {
    checkCompatible("where", a, b);
    if (!cond.device().equals(a.device())) {
      throw new IllegalArgumentException(
          "where: the condition and the values are on different devices: "
              + cond.device()
              + " and "
              + a.device()
              + "; move one with .to(Device)");
    }
    long[] shape =
        Shapes.broadcast("where", Shapes.broadcast("where", cond.shape(), a.shape()), b.shape());
    Tensor out = Tensor.empty(a.device(), a.dtype(), shape);
    Backends.of(a.device())
        .where(
            Movement.broadcastView(cond.view(), shape),
            Movement.broadcastView(a.view(), shape),
            Movement.broadcastView(b.view(), shape),
            out.view());
    if (!Autograd.needsGrad(a, b)) {
      return out;
    }
    return Autograd.record(
        out,
        "where",
        g -> {
          Tensor zero = Tensor.zeros(g.device(), g.dtype());
          return new Tensor[] {
            null,
            a.isGradRequired() ? Reductions.sumTo(where(cond, g, zero), a.shape()) : null,
            b.isGradRequired() ? Reductions.sumTo(where(cond, zero, g), b.shape()) : null
          };
        },
        cond,
        a,
        b);
  }

  public static Tensor cast(Tensor x, DType target) {
    if (x.dtype() == target) {
      return x;
    }
    Tensor out = Tensor.empty(x.device(), target, x.shape());
    Backends.of(x.device()).copy(x.view(), out.view());
    if (!target.isFloating() || !Autograd.needsGrad(x)) {
      return out;
    }
    return Autograd.record(out, "to(" + target + ")", g -> new Tensor[] {g.to(x.dtype())}, x);
  }

  /** this op= o, written into {@code target}; o is broadcast to target's shape. */
  public static Tensor inPlace(BinaryOp op, Tensor target, Tensor o) {
    String name = IN_PLACE_NAMES[op.ordinal()];
    checkWritable(name, target);
    checkCompatible(name, target, o);
    long[] shape = target.shape();
    long[] joint = Shapes.broadcast(name, shape, o.shape());
    if (!Arrays.equals(joint, shape)) {
      throw new IllegalArgumentException(
          name
              + ": operand of shape "
              + Shapes.str(o.shape())
              + " does not broadcast to the target shape "
              + Shapes.str(shape));
    }
    View t = target.view();
    Backends.of(target.device())
        .binary(op, t, unaliased(t, Movement.broadcastView(o.view(), shape)), t);
    return target;
  }

  /**
   * An operand that shares memory with the target in another layout (x += x.transpose(), a shifted
   * slice) would be read after the kernel overwrote it; such an operand is copied first. The very
   * same view is safe: each element is read before it is written.
   */
  private static View unaliased(View target, View operand) {
    if (operand.storage() != target.storage() || operand.sameLayout(target)) {
      return operand;
    }
    View copy = Tensor.empty(operand.device(), operand.dtype(), operand.shape()).view();
    Backends.of(operand.device()).copy(operand, copy);
    return copy;
  }

  /** Copies src (broadcast, converted) into target. */
  public static Tensor assign(Tensor target, Tensor src) {
    checkWritable("copyFrom", target);
    if (!target.device().equals(src.device())) {
      throw new IllegalArgumentException(
          "copyFrom: the target and the source are on different devices: "
              + target.device()
              + " and "
              + src.device()
              + "; move the source with .to("
              + target.device()
              + ")");
    }
    long[] shape = target.shape();
    long[] joint = Shapes.broadcast("copyFrom", shape, src.shape());
    if (!Arrays.equals(joint, shape)) {
      throw new IllegalArgumentException(
          "copyFrom: source of shape "
              + Shapes.str(src.shape())
              + " does not broadcast to the target shape "
              + Shapes.str(shape));
    }
    View t = target.view();
    Backends.of(target.device()).copy(unaliased(t, Movement.broadcastView(src.view(), shape)), t);
    return target;
  }

  /** In-place writes would corrupt a recorded graph; they are for parameters under noGrad(). */
  public static void checkWritable(String op, Tensor target) {
    if (Autograd.isEnabled() && target.isGradRequired()) {
      throw new IllegalStateException(
          op
              + ": this tensor requires grad, and changing it in place would make "
              + "its gradient wrong; update parameters inside try (var ng = Autograd.noGrad()) { ... }");
    }
  }

  static void checkCompatible(String op, Tensor a, Tensor b) {
    if (a.dtype() == b.dtype() && a.device() == b.device()) {
      return;
    }
    if (!a.device().equals(b.device())) {
      throw new IllegalArgumentException(
          op
              + ": operands are on different devices: "
              + a.device()
              + " and "
              + b.device()
              + "; move one with .to(Device)");
    }
    if (a.dtype() != b.dtype()) {
      throw new IllegalArgumentException(
          op
              + ": operands have different types, "
              + a.dtype()
              + " and "
              + b.dtype()
              + "; convert one with to(DType)");
    }
  }

  static String name(Enum<?> op) {
    return op.name().toLowerCase(Locale.ROOT);
  }
}
