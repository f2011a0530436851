package dev.quiver.runtime.backend.cuda;

import dev.quiver.runtime.backend.ElementwiseProgram;
import java.util.Arrays;

/**
 * CUDA C for one {@link ElementwiseProgram}: a kernel that reads each input once, keeps the
 * intermediates in registers and writes the output once, so a chain like Adam's update is one
 * launch instead of a dozen, with no temporaries in device memory.
 *
 * <p>The op codes are constants in the generated code ({@code QV_UNARY_EXP}, ...), so the compiler
 * folds the switches of qv_unary/qv_binary away: the kernel is as specific as hand-written code,
 * with the arithmetic of the unfused kernels (same functions), hence the same results. Constants
 * are a kernel argument (a struct of floats), not literals: a learning-rate schedule changes them
 * every step, and the compiled kernel is cached per program <em>shape</em> ({@link #key}).
 */
final class FusedSource {
  static final String KERNEL = "fused_program";

  /**
   * Inputs above this are left to the unfused ops (a kernel argument list has to stop somewhere).
   */
  static final int MAX_INPUTS = 12;

  static final int MAX_CONSTANTS = 64;

  private FusedSource() {}

  /** Identifies the generated code: everything but the constants' values. */
  static String key(ElementwiseProgram p) {
    return "fused-"
        + PtxCache.hash(
            Arrays.toString(p.kind())
                + Arrays.toString(p.op())
                + Arrays.toString(p.dst())
                + Arrays.toString(p.a())
                + Arrays.toString(p.b())
                + "/"
                + p.constants().length
                + "/"
                + p.registers()
                + "/"
                + p.inputs());
  }

  static boolean supported(ElementwiseProgram p) {
    return p.inputs() <= MAX_INPUTS && p.constants().length <= MAX_CONSTANTS && p.length() > 0;
  }

  /**
   * The module source: the prelude's definitions are prepended by {@link
   * KernelSources#withPrelude}.
   */
  static String source(ElementwiseProgram p) {
    int k = p.inputs();
    StringBuilder s = new StringBuilder();
    s.append("// Generated from an ElementwiseProgram of ")
        .append(p.length())
        .append(" instructions.\n");
    s.append("struct FusedConstants { float c[")
        .append(Math.max(1, p.constants().length))
        .append("]; };\n");
    s.append("extern \"C\" __global__ void ").append(KERNEL).append("(");
    for (int i = 0; i < k; i++) {
      s.append("const float* in").append(i).append(", ");
    }
    s.append("float* out, Layout<").append(k + 1).append("> L, i64 n, FusedConstants C) {\n");
    s.append("  QV_FOR_EACH(n, {\n");
    s.append("    i64 off[").append(k + 1).append("];\n");
    s.append("    locate<I, ").append(k + 1).append(">(i, L, off);\n");
    for (int r = 0; r < p.registers(); r++) {
      s.append("    float r").append(r).append(";\n");
    }
    for (int i = 0; i < p.length(); i++) {
      String value =
          switch (p.kind()[i]) {
            case ElementwiseProgram.UNARY ->
                "qv_unary<float>("
                    + KernelSources.opCode(p.unaryOp(i))
                    + ", "
                    + operand(p.a()[i], k)
                    + ")";
            case ElementwiseProgram.BINARY ->
                "qv_binary<float>("
                    + KernelSources.opCode(p.binaryOp(i))
                    + ", "
                    + operand(p.a()[i], k)
                    + ", "
                    + operand(p.b()[i], k)
                    + ")";
            default -> operand(p.a()[i], k);
          };
      s.append("    ").append(operand(p.dst()[i], k)).append(" = ").append(value).append(";\n");
    }
    s.append("  })\n}\n");
    return s.toString();
  }

  private static String operand(int operand, int inputs) {
    int i = ElementwiseProgram.index(operand);
    return switch (ElementwiseProgram.where(operand)) {
      case ElementwiseProgram.REG -> "r" + i;
      case ElementwiseProgram.INPUT -> "in" + i + "[off[" + i + "]]";
      case ElementwiseProgram.CONST -> "C.c[" + i + "]";
      default -> "out[off[" + inputs + "]]";
    };
  }
}
