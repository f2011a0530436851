package dev.quiver.runtime.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The CUDA C sources of the backend's kernels, as resources next to this class: {@code prelude.cu}
 * (types, the op definitions) is prepended to each module. The same text goes to NVRTC at run time
 * and to {@code nvcc -ptx} in the tests, so a syntax error is caught on machines without a GPU.
 */
public final class KernelSources {
  /** The modules, each compiled on first use of one of its kernels. */
  public static final List<String> MODULES = List.of("elementwise", "reduce", "index");

  private KernelSources() {}

  /** The complete source NVRTC compiles for {@code module}. */
  public static String source(String module) {
    if (!MODULES.contains(module)) {
      throw new IllegalArgumentException("no CUDA kernel module named " + module + "; there are " + MODULES);
    }
    return withPrelude(module, resource(module + ".cu"));
  }

  /** The shared definitions alone. */
  public static String prelude() {
    return resource("prelude.cu");
  }

  /** A module's own source, without the prelude. */
  public static String body(String module) {
    source(module); // checks the name
    return resource(module + ".cu");
  }

  /** {@code body} (a module or generated code) after the shared definitions of prelude.cu. */
  public static String withPrelude(String name, String body) {
    return resource("prelude.cu") + "\n// ---- " + name + ".cu\n" + body;
  }

  /**
   * NVRTC options for a target architecture (e.g. 80 for compute_80). No fast-math: the kernels
   * must agree with the CPU backend's scalar definitions to float rounding, denormals included.
   */
  public static List<String> options(int arch) {
    return options(arch, false);
  }

  /** As above; {@code machineCode}: for the real architecture (sm_80, a CUBIN) rather than the virtual one (PTX). */
  public static List<String> options(int arch, boolean machineCode) {
    return List.of("--gpu-architecture=" + (machineCode ? "sm_" : "compute_") + arch, "--std=c++17");
  }

  private static String resource(String name) {
    try (InputStream in = KernelSources.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name + " next to " + KernelSources.class.getName());
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
