package dev.quiver.runtime.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.backend.ElementwiseProgram;
import dev.quiver.runtime.math.ElementwiseMath.BinaryOp;
import dev.quiver.runtime.math.ElementwiseMath.UnaryOp;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles every kernel module with {@code nvcc -ptx}, from exactly the text and options NVRTC gets
 * at run time, so that a syntax error, a missing instantiation or a changed kernel signature is
 * caught on machines without a GPU. Skipped (with the reason) where nvcc is not installed.
 */
class CudaKernelSourcesPtxTest {
  /** The oldest and newest architectures we promise, plus the common datacenter ones in between. */
  private static final int[] ARCHS = {75, 80, 90};

  private static Path nvcc;

  @TempDir Path tmp;

  @BeforeAll
  static void findNvcc() {
    nvcc = findOnPath("nvcc");
    if (nvcc == null) {
      String home = System.getenv("CUDA_HOME");
      Path p = Path.of(home == null ? "/usr/local/cuda" : home, "bin", "nvcc");
      nvcc = Files.isExecutable(p) ? p : null;
    }
  }

  private static Path findOnPath(String exe) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path p = Path.of(dir, exe);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  private String compile(String module, int arch, String extra)
      throws IOException, InterruptedException {
    Assumptions.assumeTrue(
        nvcc != null,
        "nvcc is not on the PATH (nor in CUDA_HOME/bin): the CUDA C kernel sources "
            + "cannot be checked without it");
    Path src = tmp.resolve(module + "_" + arch + ".cu");
    Files.writeString(src, KernelSources.source(module) + extra, StandardCharsets.UTF_8);
    Path ptx = tmp.resolve(module + "_" + arch + ".ptx");
    List<String> cmd = new ArrayList<>(List.of(nvcc.toString(), "-ptx"));
    cmd.addAll(KernelSources.options(arch));
    cmd.addAll(List.of("-o", ptx.toString(), src.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), "nvcc timed out on " + module);
    assertEquals(
        0, p.exitValue(), "nvcc -ptx failed for " + module + " (compute_" + arch + "):\n" + log);
    return Files.readString(ptx);
  }

  @Test
  void everyModuleCompilesForEachArchitecture() throws Exception {
    for (String module : KernelSources.MODULES) {
      for (int arch : ARCHS) {
        String ptx = compile(module, arch, "");
        assertTrue(
            ptx.contains(".target sm_" + arch), "PTX of " + module + " targets compute_" + arch);
      }
    }
  }

  /**
   * Machine code, as the backend asks NVRTC for when it knows the device's architecture: ptxas runs
   * too, so register and shared-memory limits and PTX it rejects show up here.
   */
  @Test
  void everyModuleAssemblesToMachineCode() throws Exception {
    Assumptions.assumeTrue(
        nvcc != null, "nvcc is not on the PATH: the kernels cannot be assembled without it");
    for (String module : KernelSources.MODULES) {
      Path src = tmp.resolve(module + "_sm90.cu");
      Files.writeString(src, KernelSources.source(module), StandardCharsets.UTF_8);
      Path cubin = tmp.resolve(module + "_sm90.cubin");
      List<String> cmd = new ArrayList<>(List.of(nvcc.toString(), "-cubin"));
      cmd.addAll(KernelSources.options(90, true));
      cmd.addAll(List.of("-o", cubin.toString(), src.toString()));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(300, TimeUnit.SECONDS), "nvcc timed out on " + module);
      assertEquals(0, p.exitValue(), "nvcc -cubin failed for " + module + " (sm_90):\n" + log);
      byte[] elf = Files.readAllBytes(cubin);
      assertTrue(
          elf.length > 4 && elf[0] == 0x7f && elf[1] == 'E' && elf[2] == 'L' && elf[3] == 'F',
          "a CUBIN is an ELF image");
    }
  }

  /**
   * The host side encodes {@code Layout<K>} by hand (StridedLayout.encode); the struct the compiler
   * lays out must have the same size, or every strided kernel would read garbage.
   */
  @Test
  void layoutStructHasTheSizeTheHostEncodes() throws Exception {
    StringBuilder asserts = new StringBuilder("\n");
    for (int k = 1; k <= 4; k++) {
      asserts
          .append("static_assert(sizeof(Layout<")
          .append(k)
          .append(">) == ")
          .append(StridedLayout.byteSize(k))
          .append(", \"Layout<")
          .append(k)
          .append("> size\");\n");
      asserts
          .append("static_assert(alignof(Layout<")
          .append(k)
          .append(">) == 8, \"Layout alignment\");\n");
    }
    compile("elementwise", 75, asserts.toString());
  }

  /**
   * Every kernel the backend launches exists, with the parameters it passes: count, and size of
   * each (cuLaunchKernel copies each argument by the size the kernel declares, so a mismatch here
   * is silent corruption on a GPU). The signatures mirror the KernelArgs chains in CudaBackend.
   */
  @Test
  void kernelsHaveTheParametersTheBackendPasses() throws Exception {
    Map<String, String> ptx = new LinkedHashMap<>();
    for (String module : KernelSources.MODULES) {
      ptx.put(module, compile(module, 80, ""));
    }
    long l1 = StridedLayout.byteSize(1);
    long l2 = StridedLayout.byteSize(2);
    long l3 = StridedLayout.byteSize(3);
    long l4 = StridedLayout.byteSize(4);
    Map<String, long[]> expected = new LinkedHashMap<>();
    String[] types = {"f32", "f64", "i32"};
    for (String t : types) {
      expected.put("elementwise/fill_" + t, new long[] {8, l1, 8, 8});
      expected.put("elementwise/unary_" + t, new long[] {4, 8, 8, l2, 8});
      expected.put("elementwise/binary_" + t, new long[] {4, 8, 8, 8, l3, 8});
      for (String u : types) {
        expected.put("elementwise/copy_" + t + "_" + u, new long[] {8, 8, l2, 8});
        expected.put("elementwise/where_" + t + "_" + u, new long[] {8, 8, 8, 8, l4, 8});
      }
      expected.put("reduce/reduce_thread_" + t, new long[] {4, 8, 8, l2, l1, 8, 8});
      expected.put("reduce/reduce_block_" + t, new long[] {4, 8, 8, 8, l2, l1, 8, 8, 4});
      expected.put("reduce/reduce_partials_" + t, new long[] {4, 8, 8, l1, 8, 4});
      expected.put("reduce/argreduce_" + t, new long[] {8, 8, l2, 8, 8, 8, 4});
      expected.put("index/gather_" + t, new long[] {8, 8, 8, l3, 8, 8, 8, 4, 8});
      expected.put("index/scatter_add_" + t, new long[] {8, 8, 8, l3, 8, 8, 8, 4, 8});
    }
    expected.put("reduce/log_softmax_f32", new long[] {8, 8, 8, 8});
    expected.put("reduce/log_softmax_f64", new long[] {8, 8, 8, 8});
    for (var e : expected.entrySet()) {
      String[] mk = e.getKey().split("/");
      List<Long> actual = parameterSizes(ptx.get(mk[0]), mk[1]);
      List<Long> want = new ArrayList<>();
      for (long s : e.getValue()) {
        want.add(s);
      }
      assertEquals(want, actual, "parameter sizes of kernel " + mk[1] + " in " + mk[0] + ".cu");
    }
  }

  /** out = in0 - c0 * in1 / (sqrt(in2) + c1): the shape of Adam's update. */
  static ElementwiseProgram adamLikeProgram() {
    int reg0 = ElementwiseProgram.operand(ElementwiseProgram.REG, 0);
    int reg1 = ElementwiseProgram.operand(ElementwiseProgram.REG, 1);
    int in0 = ElementwiseProgram.operand(ElementwiseProgram.INPUT, 0);
    int in1 = ElementwiseProgram.operand(ElementwiseProgram.INPUT, 1);
    int in2 = ElementwiseProgram.operand(ElementwiseProgram.INPUT, 2);
    int c0 = ElementwiseProgram.operand(ElementwiseProgram.CONST, 0);
    int c1 = ElementwiseProgram.operand(ElementwiseProgram.CONST, 1);
    int out = ElementwiseProgram.operand(ElementwiseProgram.OUT, 0);
    byte u = ElementwiseProgram.UNARY;
    byte b = ElementwiseProgram.BINARY;
    return new ElementwiseProgram(
        new byte[] {u, b, b, b, b},
        new byte[] {
          (byte) UnaryOp.SQRT.ordinal(),
          (byte) BinaryOp.ADD.ordinal(),
          (byte) BinaryOp.MUL.ordinal(),
          (byte) BinaryOp.DIV.ordinal(),
          (byte) BinaryOp.SUB.ordinal()
        },
        new int[] {reg0, reg0, reg1, reg1, out},
        new int[] {in2, reg0, in1, reg1, in0},
        new int[] {0, c1, c0, reg0, reg1},
        new float[] {0.001f, 1e-8f},
        2,
        3);
  }

  @Test
  void generatedFusedKernelCompilesWithTheParametersTheBackendPasses() throws Exception {
    Assumptions.assumeTrue(
        nvcc != null, "nvcc is not on the PATH: generated kernels cannot be checked without it");
    ElementwiseProgram p = adamLikeProgram();
    Path src = tmp.resolve("fused.cu");
    Files.writeString(
        src, KernelSources.withPrelude("fused", FusedSource.source(p)), StandardCharsets.UTF_8);
    Path ptx = tmp.resolve("fused.ptx");
    List<String> cmd = new ArrayList<>(List.of(nvcc.toString(), "-ptx"));
    cmd.addAll(KernelSources.options(80));
    cmd.addAll(List.of("-o", ptx.toString(), src.toString()));
    Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String log = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(proc.waitFor(300, TimeUnit.SECONDS));
    assertEquals(
        0,
        proc.exitValue(),
        "nvcc -ptx failed for the generated kernel:\n" + FusedSource.source(p) + "\n" + log);
    // in0..in2, out, Layout<4>, n, the constants struct (two floats).
    assertEquals(
        List.of(8L, 8L, 8L, 8L, StridedLayout.byteSize(4), 8L, 8L),
        parameterSizes(Files.readString(ptx), FusedSource.KERNEL));
    assertEquals(
        FusedSource.key(p),
        FusedSource.key(
            new ElementwiseProgram(
                p.kind(),
                p.op(),
                p.dst(),
                p.a(),
                p.b(),
                new float[] {0.5f, 2f},
                p.registers(),
                p.inputs())),
        "constants' values are not part of the cache key");
  }

  private static final Pattern PARAM =
      Pattern.compile(
          "\\.param\\s+(?:\\.align\\s+\\d+\\s+)?\\.(u32|s32|u64|s64|f32|f64|b32|b64|b8)\\s+\\w+?_param_\\d+(?:\\[(\\d+)])?");

  /** Sizes in bytes of the parameters of {@code .entry name(...)} in a PTX text. */
  static List<Long> parameterSizes(String ptx, String name) {
    int at = ptx.indexOf(".entry " + name + "(");
    assertTrue(at >= 0, "kernel " + name + " is missing from the PTX");
    String params = ptx.substring(at, ptx.indexOf(')', at));
    List<Long> sizes = new ArrayList<>();
    Matcher m = PARAM.matcher(params);
    while (m.find()) {
      String type = m.group(1);
      long bits = Long.parseLong(type.substring(1));
      long elems = m.group(2) == null ? 1 : Long.parseLong(m.group(2));
      sizes.add(bits / 8 * elems);
    }
    return sizes;
  }
}
