package dev.quiver.runtime.ops;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.Shapes;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import dev.quiver.runtime.backend.Backends;
import dev.quiver.runtime.backend.Devices;
import dev.quiver.runtime.backend.ElementwiseProgram;
import dev.quiver.runtime.backend.View;
import dev.quiver.runtime.math.ElementwiseMath;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;

/**
 * A chain of elementwise ops evaluated in one pass, without temporaries:
 *
 * <pre>{@code
 * Tensor y = a.fused().mul(b).add(c).relu().eval();   // relu(a*b + c): reads a, b, c once, writes y once
 * a.fused().mul(0.9).add(g.fused().mul(0.1)).into(a); // an optimizer update in place
 * }</pre>
 *
 * An expression is immutable and records nothing until {@link #eval()} or {@link #into(Tensor)}.
 * Operands broadcast as in the unfused ops, and the result is the same: each primitive rounds to
 * float32 exactly as the unfused op does, so values agree bit for bit for contiguous operands
 * (transcendental ops may differ by one ulp where a broadcast splits the data into short rows).
 *
 * <p>Autodiff: when any input requires grad (and grad mode is on) the expression is evaluated with
 * the ordinary unfused ops, which record their backward as usual. Non-float32 inputs and backends
 * that cannot fuse take the same path.
 */
public final class Fused implements ElementwiseMath<Fused> {
  private enum Kind {
    INPUT,
    CONST,
    UNARY,
    BINARY
  }

  private final Kind kind;
  private final Tensor input;
  // Kept in double: the fused float32 kernels round it once, the unfused path (float64 inputs,
  // gradients) uses it at the inputs' precision.
  private final double constant;
  private final UnaryOp unaryOp;
  private final BinaryOp binaryOp;
  private final Fused x;
  private final Fused y;

  private Fused(
      Kind kind,
      Tensor input,
      double constant,
      UnaryOp unaryOp,
      BinaryOp binaryOp,
      Fused x,
      Fused y) {
    this.kind = kind;
    this.input = input;
    this.constant = constant;
    this.unaryOp = unaryOp;
    this.binaryOp = binaryOp;
    this.x = x;
    this.y = y;
  }

  /** The expression that is just {@code t}. */
  public static Fused of(Tensor t) {
    if (t == null) {
      throw new NullPointerException("fused: input tensor is null");
    }
    return new Fused(Kind.INPUT, t, 0, null, null, null, null);
  }

  /**
   * A constant, broadcast like a rank-0 tensor, of the inputs' type when evaluated (float32 when
   * there are none).
   */
  public static Fused constant(double value) {
    return new Fused(Kind.CONST, null, value, null, null, null, null);
  }

  // ---------------------------------------------------------------- building (the rest is in
  // ElementwiseMath)

  @Override
  public Fused unary(UnaryOp op) {
    return new Fused(Kind.UNARY, null, 0, op, null, this, null);
  }

  @Override
  public Fused binary(BinaryOp op, Fused other) {
    return new Fused(Kind.BINARY, null, 0, null, op, this, other);
  }

  /** The same as {@link #constant}: constants take the inputs' type when evaluated. */
  @Override
  public Fused constantLike(double value) {
    return constant(value);
  }

  public Fused add(Tensor o) {
    return add(of(o));
  }

  public Fused sub(Tensor o) {
    return sub(of(o));
  }

  public Fused mul(Tensor o) {
    return mul(of(o));
  }

  public Fused div(Tensor o) {
    return div(of(o));
  }

  public Fused pow(Tensor o) {
    return pow(of(o));
  }

  public Fused maximum(Tensor o) {
    return maximum(of(o));
  }

  public Fused minimum(Tensor o) {
    return minimum(of(o));
  }

  // ---------------------------------------------------------------- evaluation

  /**
   * Evaluates into a new tensor (in the current memory scope) of the broadcast shape of the inputs.
   */
  public Tensor eval() {
    Compiled c = compile();
    long[] shape = c.shape();
    if (!c.unfused()) {
      Tensor out = Tensor.empty(c.inputs()[0].device(), DType.FLOAT32, shape);
      if (Backends.of(out.device()).fused(c.program(), c.inputs(), out.view())) {
        return out;
      }
      out.close();
    }
    // A bare input evaluates to itself unfused; eval() promises a new tensor.
    return kind == Kind.INPUT
        ? input.copy()
        : evalUnfused(new IdentityHashMap<>(), typeOf(c), deviceOf(c, Devices.getDefault()));
  }

  /**
   * Evaluates into {@code out} (no history), which must have the broadcast shape of the inputs or a
   * shape they broadcast to. {@code out} may be one of the inputs itself (not a different view of
   * the same memory). Returns {@code out}.
   */
  public Tensor into(Tensor out) {
    Elementwise.checkWritable("fused.into", out);
    Compiled c = compile();
    long[] shape = out.shape();
    long[] joint = Shapes.broadcast("fused.into", shape, c.shape());
    if (!Arrays.equals(joint, shape)) {
      throw new IllegalArgumentException(
          "fused.into: the expression has shape "
              + Shapes.str(c.shape())
              + ", which does not broadcast to the target shape "
              + Shapes.str(shape));
    }
    if (c.unfused()
        || out.dtype() != DType.FLOAT32
        || !out.device().equals(c.inputs()[0].device())
        || !Backends.of(out.device())
            .fused(c.program(), broadcastAll(c.inputs(), shape), out.view())) {
      out.copyFrom(evalUnfused(new IdentityHashMap<>(), typeOf(c), deviceOf(c, out.device())));
    }
    return out;
  }

  /** The type constants take in the unfused path: the inputs' (float32 for constants only). */
  private static DType typeOf(Compiled c) {
    return c.inputs().length == 0 ? DType.FLOAT32 : c.inputs()[0].dtype();
  }

  /** Where constants are made in the unfused path: on the inputs' device, else {@code fallback}. */
  private static Device deviceOf(Compiled c, Device fallback) {
    return c.inputs().length == 0 ? fallback : c.inputs()[0].device();
  }

  private static View[] broadcastAll(View[] inputs, long[] shape) {
    View[] b = new View[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      b[i] = Movement.broadcastView(inputs[i], shape);
    }
    return b;
  }

  /**
   * The same expression with the ordinary ops: the reference, and the path that records gradients.
   */
  private Tensor evalUnfused(IdentityHashMap<Fused, Tensor> memo, DType dtype, Device device) {
    Tensor done = memo.get(this);
    if (done != null) {
      return done;
    }
    Tensor r =
        switch (kind) {
          case INPUT -> input;
          case CONST -> Tensor.full(device, constant, dtype);
          case UNARY -> Elementwise.unary(unaryOp, x.evalUnfused(memo, dtype, device));
          case BINARY ->
              Elementwise.binary(
                  binaryOp, x.evalUnfused(memo, dtype, device), y.evalUnfused(memo, dtype, device));
        };
    memo.put(this, r);
    return r;
  }

  /**
   * The program, its inputs broadcast to the result shape, and whether to take the unfused path.
   * Register allocation: each op's value gets a scratch register that is freed after its last use.
   */
  private record Compiled(
      ElementwiseProgram program, View[] inputs, long[] shape, boolean unfused) {}

  private Compiled compile() {
    // Post-order over the DAG: every node after its operands, shared nodes once.
    List<Fused> order = new ArrayList<>();
    IdentityHashMap<Fused, Integer> position = new IdentityHashMap<>();
    postOrder(this, order, position);
    List<Tensor> inputs = new ArrayList<>();
    IdentityHashMap<Tensor, Integer> inputIndex = new IdentityHashMap<>();
    List<Float> constants = new ArrayList<>();
    int[] operand = new int[order.size()];
    int[] lastUse = new int[order.size()];
    Arrays.fill(lastUse, -1);
    for (int i = 0; i < order.size(); i++) {
      Fused f = order.get(i);
      switch (f.kind) {
        case INPUT -> {
          Integer k = inputIndex.get(f.input);
          if (k == null) {
            k = inputs.size();
            inputIndex.put(f.input, k);
            inputs.add(f.input);
          }
          operand[i] = ElementwiseProgram.operand(ElementwiseProgram.INPUT, k);
        }
        case CONST -> {
          operand[i] = ElementwiseProgram.operand(ElementwiseProgram.CONST, constants.size());
          constants.add((float) f.constant);
        }
        case UNARY -> lastUse[position.get(f.x)] = i;
        case BINARY -> {
          lastUse[position.get(f.x)] = i;
          lastUse[position.get(f.y)] = i;
        }
      }
    }
    if (inputs.isEmpty()) {
      // Constants only: a rank-0 result. Evaluate through the ordinary ops (no memory to stream).
      return new Compiled(null, new View[0], new long[0], true);
    }
    Tensor first = inputs.get(0);
    long[] shape = first.shape();
    boolean unfused = false;
    for (Tensor t : inputs) {
      if (!t.device().equals(first.device())) {
        throw new IllegalArgumentException(
            "fused: operands are on different devices: "
                + first.device()
                + " and "
                + t.device()
                + "; move one with .to(Device)");
      }
      if (t.dtype() != first.dtype()) {
        throw new IllegalArgumentException(
            "fused: operands have different types, "
                + first.dtype()
                + " and "
                + t.dtype()
                + "; convert one with to(DType)");
      }
      shape = Shapes.broadcast("fused", shape, t.shape());
    }
    Tensor[] in = inputs.toArray(Tensor[]::new);
    if (first.dtype() != DType.FLOAT32 || Autograd.needsGrad(in)) {
      unfused = true;
    }
    // Emit instructions with a free list of registers.
    List<Integer> free = new ArrayList<>();
    int registers = 0;
    int ops = 0;
    for (Fused f : order) {
      if (f.kind == Kind.UNARY || f.kind == Kind.BINARY) {
        ops++;
      }
    }
    boolean rootIsLeaf = ops == 0 || (kind != Kind.UNARY && kind != Kind.BINARY);
    int n = rootIsLeaf ? ops + 1 : ops;
    byte[] kinds = new byte[n];
    byte[] opc = new byte[n];
    int[] dst = new int[n];
    int[] a = new int[n];
    int[] b = new int[n];
    int pc = 0;
    for (int i = 0; i < order.size(); i++) {
      Fused f = order.get(i);
      if (f.kind != Kind.UNARY && f.kind != Kind.BINARY) {
        continue;
      }
      a[pc] = operand[position.get(f.x)];
      b[pc] = f.kind == Kind.BINARY ? operand[position.get(f.y)] : a[pc];
      kinds[pc] = f.kind == Kind.UNARY ? ElementwiseProgram.UNARY : ElementwiseProgram.BINARY;
      opc[pc] = (byte) (f.kind == Kind.UNARY ? f.unaryOp.ordinal() : f.binaryOp.ordinal());
      // Operands whose last use is here give their registers back before the result takes one.
      release(f.x, i, position, lastUse, operand, free);
      if (f.kind == Kind.BINARY && f.y != f.x) {
        release(f.y, i, position, lastUse, operand, free);
      }
      if (f == this) {
        operand[i] = ElementwiseProgram.operand(ElementwiseProgram.OUT, 0);
      } else {
        int r = free.isEmpty() ? registers++ : free.remove(free.size() - 1);
        operand[i] = ElementwiseProgram.operand(ElementwiseProgram.REG, r);
      }
      dst[pc] = operand[i];
      pc++;
    }
    if (rootIsLeaf) {
      kinds[pc] = ElementwiseProgram.COPY;
      a[pc] = operand[position.get(this)];
      b[pc] = a[pc];
      dst[pc] = ElementwiseProgram.operand(ElementwiseProgram.OUT, 0);
    }
    float[] consts = new float[constants.size()];
    for (int i = 0; i < consts.length; i++) {
      consts[i] = constants.get(i);
    }
    var program = new ElementwiseProgram(kinds, opc, dst, a, b, consts, registers, in.length);
    View[] views = new View[in.length];
    for (int i = 0; i < in.length; i++) {
      views[i] = in[i].view();
    }
    return new Compiled(program, broadcastAll(views, shape), shape, unfused);
  }

  private static void release(
      Fused operandNode,
      int at,
      IdentityHashMap<Fused, Integer> position,
      int[] lastUse,
      int[] operand,
      List<Integer> free) {
    int p = position.get(operandNode);
    if (lastUse[p] == at && ElementwiseProgram.where(operand[p]) == ElementwiseProgram.REG) {
      free.add(ElementwiseProgram.index(operand[p]));
    }
  }

  /**
   * Iterative post-order, so a chain built in a loop (thousands of ops) cannot overflow the stack.
   */
  private static void postOrder(
      Fused root, List<Fused> order, IdentityHashMap<Fused, Integer> position) {
    ArrayList<Fused> stack = new ArrayList<>();
    ArrayList<Boolean> expanded = new ArrayList<>();
    stack.add(root);
    expanded.add(false);
    while (!stack.isEmpty()) {
      int top = stack.size() - 1;
      Fused f = stack.get(top);
      if (position.containsKey(f)) {
        stack.remove(top);
        expanded.remove(top);
        continue;
      }
      if (expanded.get(top)) {
        stack.remove(top);
        expanded.remove(top);
        position.put(f, order.size());
        order.add(f);
        continue;
      }
      expanded.set(top, true);
      if (f.y != null) {
        stack.add(f.y);
        expanded.add(false);
      }
      if (f.x != null) {
        stack.add(f.x);
        expanded.add(false);
      }
    }
  }
}
