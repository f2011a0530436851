package dev.quiver.runtime.backend.cuda.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * Hand-written bindings to NVRTC, the run-time CUDA C++ compiler: source in, PTX out. It needs no
 * GPU, only the library. NVRTC has no C library headers; the kernel sources use builtins only.
 */
public final class Nvrtc {
  public static final List<String> SONAMES =
      List.of(
          "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so.11", "libnvrtc.so");

  /**
   * What NVRTC opens by soname when it compiles: "libnvrtc-builtins.so.12*" for "libnvrtc.so.12" (a
   * glob; the builtins carry the minor version). Loaded first from NVRTC's own folder where the
   * loader would not look there.
   */
  public static String companion(String soname) {
    return soname.startsWith("libnvrtc.so.")
        ? "libnvrtc-builtins.so." + soname.substring("libnvrtc.so.".length()) + "*"
        : null;
  }

  private static final String LIB = "libnvrtc";

  private final String where;
  private final MethodHandle version;
  private final MethodHandle errorString;
  private final MethodHandle createProgram;
  private final MethodHandle compileProgram;
  private final MethodHandle destroyProgram;
  private final MethodHandle logSize;
  private final MethodHandle log;
  private final MethodHandle ptxSize;
  private final MethodHandle ptx;
  private final MethodHandle numSupportedArchs;
  private final MethodHandle supportedArchs;
  private final MethodHandle cubinSize;
  private final MethodHandle cubin;

  public Nvrtc(LibraryFinder.Loaded lib) {
    SymbolLookup l = lib.lookup();
    this.where = lib.where();
    version =
        Native.bind(l, LIB, "nvrtcVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    errorString =
        Native.bind(l, LIB, "nvrtcGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    // nvrtcCreateProgram(nvrtcProgram* prog, const char* src, const char* name, int numHeaders,
    //                    const char* const* headers, const char* const* includeNames)
    createProgram =
        Native.bind(
            l,
            LIB,
            "nvrtcCreateProgram",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
    compileProgram =
        Native.bind(
            l,
            LIB,
            "nvrtcCompileProgram",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    destroyProgram =
        Native.bind(l, LIB, "nvrtcDestroyProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    logSize =
        Native.bind(
            l, LIB, "nvrtcGetProgramLogSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    log =
        Native.bind(
            l, LIB, "nvrtcGetProgramLog", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    ptxSize =
        Native.bind(l, LIB, "nvrtcGetPTXSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    ptx = Native.bind(l, LIB, "nvrtcGetPTX", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    // Since NVRTC 11.2; older ones simply get the device's own architecture.
    numSupportedArchs =
        Native.bindOptional(
            l, "nvrtcGetNumSupportedArchs", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    supportedArchs =
        Native.bindOptional(l, "nvrtcGetSupportedArchs", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    // Since NVRTC 11.1: machine code for a real architecture (sm_XX), loaded without the driver's
    // PTX JIT.
    cubinSize =
        Native.bindOptional(
            l, "nvrtcGetCUBINSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    cubin =
        Native.bindOptional(l, "nvrtcGetCUBIN", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
  }

  /** Whether this NVRTC can hand out machine code (CUBIN), not only PTX. */
  public boolean canEmitCubin() {
    return cubinSize != null && cubin != null;
  }

  public String where() {
    return where;
  }

  private String name(int rc) {
    try {
      String s = Native.string((MemorySegment) errorString.invokeExact(rc));
      return s == null ? "nvrtcResult " + rc : s;
    } catch (Throwable t) {
      return "nvrtcResult " + rc;
    }
  }

  private void check(int rc, String call, String values) {
    if (rc != 0) {
      throw new CudaException(call, rc, name(rc), null, values);
    }
  }

  /** "major.minor" of the library, part of the PTX cache key. */
  public String version() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment major = a.allocate(JAVA_INT);
      MemorySegment minor = a.allocate(JAVA_INT);
      check((int) version.invokeExact(major, minor), "nvrtcVersion", "");
      return major.get(JAVA_INT, 0) + "." + minor.get(JAVA_INT, 0);
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /** Architectures this NVRTC can target (e.g. 75, 80, 90), or empty when it cannot say. */
  public int[] supportedArchitectures() {
    if (numSupportedArchs == null || supportedArchs == null) {
      return new int[0];
    }
    try (Arena a = Arena.ofConfined()) {
      MemorySegment n = a.allocate(JAVA_INT);
      check((int) numSupportedArchs.invokeExact(n), "nvrtcGetNumSupportedArchs", "");
      int count = n.get(JAVA_INT, 0);
      MemorySegment archs = a.allocate(JAVA_INT, Math.max(count, 1));
      check((int) supportedArchs.invokeExact(archs), "nvrtcGetSupportedArchs", "");
      return archs.asSlice(0, 4L * count).toArray(JAVA_INT);
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  /**
   * Compiles CUDA C++ {@code source} to PTX text. A compile error throws a {@link CudaException}
   * whose message holds NVRTC's log (file, line and message), which is what one needs to fix it.
   */
  public String compile(String source, String name, List<String> options) {
    byte[] ptxText = compile(source, name, options, false);
    return new String(
        ptxText, 0, ptxText.length - 1, java.nio.charset.StandardCharsets.UTF_8); // without the NUL
  }

  /**
   * As {@link #compile(String, String, List)}, for options naming a real architecture ({@code
   * --gpu-architecture=sm_90}): the CUBIN image, machine code for that architecture.
   */
  public byte[] compileCubin(String source, String name, List<String> options) {
    if (!canEmitCubin()) {
      throw new IllegalStateException(
          "NVRTC at " + where + " cannot emit CUBIN (nvrtcGetCUBIN needs NVRTC 11.1 or newer)");
    }
    return compile(source, name, options, true);
  }

  /** The PTX (NUL-terminated, as NVRTC gives it) or CUBIN bytes of {@code source}. */
  private byte[] compile(String source, String name, List<String> options, boolean machineCode) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment progOut = a.allocate(ADDRESS);
      check(
          (int)
              createProgram.invokeExact(
                  progOut,
                  a.allocateFrom(source),
                  a.allocateFrom(name),
                  0,
                  MemorySegment.NULL,
                  MemorySegment.NULL),
          "nvrtcCreateProgram",
          "name=" + name);
      MemorySegment prog = progOut.get(ADDRESS, 0);
      try {
        MemorySegment opts = a.allocate(ADDRESS, Math.max(options.size(), 1));
        for (int i = 0; i < options.size(); i++) {
          opts.setAtIndex(ADDRESS, i, a.allocateFrom(options.get(i)));
        }
        int rc = (int) compileProgram.invokeExact(prog, options.size(), opts);
        if (rc != 0) {
          throw new CudaException(
              "nvrtcCompileProgram failed for "
                  + name
                  + " "
                  + options
                  + ": "
                  + name(rc)
                  + "\n"
                  + programLog(a, prog));
        }
        MemorySegment size = a.allocate(JAVA_LONG);
        if (machineCode) {
          check((int) cubinSize.invokeExact(prog, size), "nvrtcGetCUBINSize", "name=" + name);
          MemorySegment image = a.allocate(size.get(JAVA_LONG, 0));
          check((int) cubin.invokeExact(prog, image), "nvrtcGetCUBIN", "name=" + name);
          return image.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }
        check((int) ptxSize.invokeExact(prog, size), "nvrtcGetPTXSize", "name=" + name);
        // The size counts the terminating NUL; keep it, cuModuleLoadData needs it.
        MemorySegment text = a.allocate(size.get(JAVA_LONG, 0));
        check((int) ptx.invokeExact(prog, text), "nvrtcGetPTX", "name=" + name);
        return text.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
      } finally {
        int ignored = (int) destroyProgram.invokeExact(progOut);
      }
    } catch (Throwable t) {
      throw Native.rethrow(t);
    }
  }

  private String programLog(Arena a, MemorySegment prog) throws Throwable {
    MemorySegment size = a.allocate(JAVA_LONG);
    if ((int) logSize.invokeExact(prog, size) != 0) {
      return "(no log)";
    }
    MemorySegment text = a.allocate(size.get(JAVA_LONG, 0) + 1);
    if ((int) log.invokeExact(prog, text) != 0) {
      return "(no log)";
    }
    return text.getString(0);
  }
}
