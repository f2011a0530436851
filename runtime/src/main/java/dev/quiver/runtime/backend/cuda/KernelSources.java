package dev.quiver.runtime.backend.cuda;

import dev.quiver.runtime.backend.ReduceOp;
import dev.quiver.runtime.math.ElementwiseMath.BinaryOp;
import dev.quiver.runtime.math.ElementwiseMath.UnaryOp;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The CUDA C sources of the backend's kernels, as resources next to this class: {@code prelude.cu}
 * (types, the op definitions) is prepended to each module, after the op codes generated from the
 * Java enums ({@link #opCodes()}). The same text goes to NVRTC at run time and to {@code nvcc -ptx}
 * in the tests, so a syntax error is caught on machines without a GPU.
 */
public final class KernelSources {
  /** The modules, each compiled on first use of one of its kernels. */
  public static final List<String> MODULES = List.of("elementwise", "reduce", "index", "conv");

  private KernelSources() {}

  /** The complete source NVRTC compiles for {@code module}. */
  public static String source(String module) {
    if (!MODULES.contains(module)) {
      throw new IllegalArgumentException(
          "no CUDA kernel module named " + module + "; there are " + MODULES);
    }
    return withPrelude(module, resource(module + ".cu"));
  }

  /** The shared definitions alone: the op codes, then prelude.cu. */
  public static String prelude() {
    return opCodes() + resource("prelude.cu");
  }

  /**
   * {@code #define QV_UNARY_NEG 0} and so on for every {@link UnaryOp}, {@link BinaryOp} and {@link
   * ReduceOp}: the codes the backend passes are the ordinals, and the kernels switch on these
   * names, so a new or reordered op needs no numbering kept in step by hand.
   */
  public static String opCodes() {
    StringBuilder s =
        new StringBuilder(
            "// Op codes, generated from the Java enums by KernelSources.opCodes().\n");
    define(s, "QV_UNARY_", UnaryOp.values());
    define(s, "QV_BINARY_", BinaryOp.values());
    define(s, "QV_REDUCE_", ReduceOp.values());
    return s.append('\n').toString();
  }

  /** The name prelude.cu gives {@code op}: QV_UNARY_EXP, QV_BINARY_ADD, QV_REDUCE_SUM. */
  public static String opCode(Enum<?> op) {
    String family =
        switch (op) {
          case UnaryOp u -> "QV_UNARY_";
          case BinaryOp b -> "QV_BINARY_";
          case ReduceOp r -> "QV_REDUCE_";
          default ->
              throw new IllegalArgumentException(
                  "not a kernel op: " + op.getDeclaringClass().getName() + "." + op);
        };
    return family + op.name();
  }

  private static void define(StringBuilder s, String prefix, Enum<?>[] ops) {
    for (Enum<?> op : ops) {
      s.append("#define ")
          .append(prefix)
          .append(op.name())
          .append(' ')
          .append(op.ordinal())
          .append('\n');
    }
  }

  /** A module's own source, without the prelude. */
  public static String body(String module) {
    source(module); // checks the name
    return resource(module + ".cu");
  }

  /** {@code body} (a module or generated code) after the shared definitions of prelude.cu. */
  public static String withPrelude(String name, String body) {
    return prelude() + "\n// ---- " + name + ".cu\n" + body;
  }

  /**
   * NVRTC options for a target architecture (e.g. 80 for compute_80). No fast-math: the kernels
   * must agree with the CPU backend's scalar definitions to float rounding, denormals included.
   */
  public static List<String> options(int arch) {
    return options(arch, false);
  }

  /**
   * As above; {@code machineCode}: for the real architecture (sm_80, a CUBIN) rather than the
   * virtual one (PTX).
   */
  public static List<String> options(int arch, boolean machineCode) {
    return List.of(
        "--gpu-architecture=" + (machineCode ? "sm_" : "compute_") + arch, "--std=c++17");
  }

  private static String resource(String name) {
    try (InputStream in = KernelSources.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(
            "missing resource " + name + " next to " + KernelSources.class.getName());
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
