package dev.quiver.runtime.backend.cuda.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * Small helpers shared by the bindings: binding a symbol by its exported name, and per-thread
 * scratch memory.
 */
final class Native {
  private static final Linker LINKER = Linker.nativeLinker();

  private Native() {}

  /**
   * A downcall to {@code name} exactly as the library exports it (cuda.h renames many functions to
   * {@code _v2} versions with #defines, which a binding without the header must do by hand).
   */
  static MethodHandle bind(SymbolLookup lib, String libName, String name, FunctionDescriptor fd) {
    MemorySegment symbol =
        lib.find(name)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        libName
                            + " has no symbol "
                            + name
                            + "; the installed version is probably too old"));
    return LINKER.downcallHandle(symbol, fd);
  }

  /** Like {@link #bind} but null when the symbol is missing, for optional calls. */
  static MethodHandle bindOptional(SymbolLookup lib, String name, FunctionDescriptor fd) {
    return lib.find(name).map(s -> LINKER.downcallHandle(s, fd)).orElse(null);
  }

  /** A C string from a {@code const char*} the library owns (error names, logs). */
  static String string(MemorySegment p) {
    if (p == null || p.address() == 0) {
      return null;
    }
    return p.reinterpret(1 << 16).getString(0);
  }

  /**
   * Per-thread native scratch for out-parameters and kernel arguments: calls on hot paths (a kernel
   * launch per op) must not open an Arena each time. Freed with its thread.
   */
  static MemorySegment scratch() {
    return SCRATCH.get();
  }

  static final long SCRATCH_BYTES = 16 << 10;
  private static final ThreadLocal<MemorySegment> SCRATCH =
      ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(SCRATCH_BYTES, 64));

  /**
   * What a failed downcall's {@code Throwable} becomes: {@code invokeExact} declares Throwable, but
   * a native call throws only what the linker does (runtime exceptions and errors).
   */
  static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException(t);
  }
}
