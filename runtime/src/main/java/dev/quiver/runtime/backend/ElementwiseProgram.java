package dev.quiver.runtime.backend;

import dev.quiver.runtime.math.ElementwiseMath.BinaryOp;
import dev.quiver.runtime.math.ElementwiseMath.UnaryOp;

/**
 * A fused chain of elementwise primitives, compiled from a {@code Fused} expression for a backend
 * to evaluate in one pass: inputs are read once and the result written once, intermediates live in
 * a few small scratch registers.
 *
 * <p>Instruction {@code i} computes {@code dst[i] = op(a[i], b[i])} ({@link #UNARY}: {@code
 * op(a[i])}, {@link #COPY}: {@code a[i]}). Operands are encoded by {@link #operand}: a scratch
 * register, an input tensor (broadcast to the output shape), a float32 constant, or the output
 * itself, which only the last instruction writes. Registers may be reused once their value is dead,
 * so an instruction's destination may equal one of its sources (elementwise, so that is safe).
 *
 * @param kind {@link #UNARY}, {@link #BINARY} or {@link #COPY} per instruction
 * @param op {@link UnaryOp} or {@link BinaryOp} ordinal per instruction
 * @param constants float32 constants referred to by {@link #CONST} operands
 * @param registers number of scratch registers the program needs
 * @param inputs number of input tensors
 */
public record ElementwiseProgram(
    byte[] kind,
    byte[] op,
    int[] dst,
    int[] a,
    int[] b,
    float[] constants,
    int registers,
    int inputs) {
  public static final byte UNARY = 0;
  public static final byte BINARY = 1;
  public static final byte COPY = 2;

  public static final int REG = 0;
  public static final int INPUT = 1;
  public static final int CONST = 2;
  public static final int OUT = 3;

  private static final int SHIFT = 28;

  // values() copies its array on every call; the CPU kernel asks once per instruction and block.
  private static final UnaryOp[] UNARY_OPS = UnaryOp.values();
  private static final BinaryOp[] BINARY_OPS = BinaryOp.values();

  public static int operand(int where, int index) {
    return (where << SHIFT) | index;
  }

  public static int where(int operand) {
    return operand >>> SHIFT;
  }

  public static int index(int operand) {
    return operand & ((1 << SHIFT) - 1);
  }

  public int length() {
    return kind.length;
  }

  public UnaryOp unaryOp(int i) {
    return UNARY_OPS[op[i]];
  }

  public BinaryOp binaryOp(int i) {
    return BINARY_OPS[op[i]];
  }
}
