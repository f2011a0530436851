package dev.quiver.runtime.backend.cuda.ffi;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Finds the CUDA shared libraries at run time, the way a user would expect after installing CUDA or
 * a PyTorch wheel: first by soname through the dynamic loader (ldconfig cache, LD_LIBRARY_PATH),
 * then in the usual folders: CUDA_HOME/lib64, each LD_LIBRARY_PATH entry, /usr/local/cuda/lib64,
 * /usr/lib/x86_64-linux-gnu, and the {@code nvidia/*}{@code /lib} folders of Python site-packages,
 * where the torch wheels put their own cuBLAS and NVRTC.
 *
 * <p>The folder list and the file search are plain functions of the environment so that they can be
 * tested on temporary folders without any CUDA installed.
 */
public final class LibraryFinder {
  private LibraryFinder() {}

  /** A loaded library, and where it came from (for messages). */
  public record Loaded(SymbolLookup lookup, String where) {}

  /**
   * The outcome of a search: the library, or a short reason naming what was looked for and where.
   */
  public record Result(Optional<Loaded> loaded, String reason) {
    public static Result found(Loaded l) {
      return new Result(Optional.of(l), "");
    }

    public static Result missing(String reason) {
      return new Result(Optional.empty(), reason);
    }
  }

  /**
   * Loads the first of {@code sonames} that the loader or the usual folders have, for the whole
   * process.
   */
  public static Result load(List<String> sonames) {
    return load(sonames, name -> null);
  }

  /**
   * As {@link #load(List)}; {@code companion} gives, for a soname, a glob for the libraries it
   * needs from the same folder (libcublas.so.12 needs libcublasLt.so.12; libnvrtc.so.12 opens
   * libnvrtc-builtins.so.12.x when it compiles), or null. A library found in a folder rather than
   * by the loader is opened by its path, and the loader then looks for what it needs in its own
   * search path only, which does not have that folder: the companion is loaded first, from there,
   * so that the loader finds it already loaded by its soname.
   */
  public static Result load(List<String> sonames, UnaryOperator<String> companion) {
    for (String name : sonames) {
      try {
        return Result.found(
            new Loaded(
                SymbolLookup.libraryLookup(name, Arena.global()), name + " (dynamic loader)"));
      } catch (IllegalArgumentException notFound) {
        // Not in the loader's search path: try the folders below.
      }
    }
    List<Path> folders =
        searchFolders(
            System.getenv(), Path.of(System.getProperty("user.home", "/")), pythonRoots());
    Optional<Path> file = locate(sonames, folders);
    if (file.isPresent()) {
      return loadFile(file.get(), companion);
    }
    return Result.missing(describeMiss(sonames, folders));
  }

  /**
   * Loads {@code file} by its path, after its companions (a glob) from the same folder where they
   * exist.
   */
  public static Result loadFile(Path file, UnaryOperator<String> companion) {
    String needed = companion.apply(file.getFileName().toString());
    if (needed != null && file.getParent() != null) {
      try (var matches = Files.newDirectoryStream(file.getParent(), needed)) {
        for (Path p : matches) {
          if (Files.isRegularFile(p)) {
            SymbolLookup.libraryLookup(p, Arena.global());
          }
        }
      } catch (IOException | IllegalArgumentException e) {
        // Loading the library itself says what is wrong, below.
      }
    }
    try {
      return Result.found(
          new Loaded(SymbolLookup.libraryLookup(file, Arena.global()), file.toString()));
    } catch (IllegalArgumentException e) {
      return Result.missing(file + " exists but could not be loaded: " + e.getMessage());
    }
  }

  /**
   * The sonames of {@code sonames} a driver for CUDA {@code driverVersion} (as cuDriverGetVersion
   * reports it: 1000 * major + 10 * minor) can run, in the same order. A library of a newer major
   * release than the driver loads fine but fails later: cuBLAS at its first call, NVRTC's PTX at
   * cuModuleLoadData (CUDA_ERROR_UNSUPPORTED_PTX_VERSION). So with a CUDA 12 driver, a CUDA 13
   * cuBLAS that happens to be installed (a pip wheel) must not win over the CUDA 12 one.
   * Unversioned names ({@code libcublas.so}) stay, as a last resort; an unknown version (0) keeps
   * all.
   */
  public static List<String> usableWith(List<String> sonames, int driverVersion) {
    if (driverVersion <= 0) {
      return sonames;
    }
    int driverMajor = driverVersion / 1000;
    return sonames.stream()
        .filter(
            n -> {
              int major = sonameMajor(n);
              return major < 0 || major <= driverMajor;
            })
        .toList();
  }

  /** 12 for "libnvrtc.so.12" and for "libnvrtc.so.12.4"; -1 when the name has no version. */
  static int sonameMajor(String soname) {
    int at = soname.indexOf(".so.");
    if (at < 0) {
      return -1;
    }
    String rest = soname.substring(at + 4);
    int dot = rest.indexOf('.');
    try {
      return Integer.parseInt(dot < 0 ? rest : rest.substring(0, dot));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** "libcublas.so.13, libcublas.so.12 not found by the loader nor in 5 folders (/a, /b, ...)". */
  public static String describeMiss(List<String> sonames, List<Path> folders) {
    StringBuilder s =
        new StringBuilder(String.join(", ", sonames)).append(" not found by the dynamic loader");
    s.append(" nor in ")
        .append(folders.size())
        .append(folders.size() == 1 ? " folder" : " folders");
    if (!folders.isEmpty()) {
      s.append(" (");
      int shown = Math.min(folders.size(), 6);
      for (int i = 0; i < shown; i++) {
        s.append(i > 0 ? ", " : "").append(folders.get(i));
      }
      s.append(folders.size() > shown ? ", ..." : "").append(")");
    }
    return s.append("; set CUDA_HOME or LD_LIBRARY_PATH to the folder that has it").toString();
  }

  /**
   * The first file named one of {@code sonames} (in that order of preference) in the first folder
   * that has one.
   */
  public static Optional<Path> locate(List<String> sonames, List<Path> folders) {
    // Preference by name first: a newer soname anywhere beats an older one earlier in the list,
    // because a CUDA 12 cuBLAS needs the CUDA 12 NVRTC next to it far less than it needs to be new.
    for (String name : sonames) {
      for (Path folder : folders) {
        Path p = folder.resolve(name);
        if (Files.isRegularFile(p)) { // follows symbolic links; a dangling one is skipped
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Folders to search, in order, without duplicates and only those that exist: CUDA_HOME (and
   * CUDA_PATH) /lib64 and /lib, LD_LIBRARY_PATH entries, /usr/local/cuda/lib64,
   * /usr/lib/x86_64-linux-gnu, /usr/lib64, then {@code nvidia/<pkg>/lib} under every Python root.
   */
  public static List<Path> searchFolders(
      Map<String, String> env, Path home, List<Path> pythonRoots) {
    LinkedHashSet<Path> out = new LinkedHashSet<>();
    for (String var : List.of("CUDA_HOME", "CUDA_PATH")) {
      String v = env.get(var);
      if (v != null && !v.isBlank()) {
        out.add(Path.of(v, "lib64"));
        out.add(Path.of(v, "lib"));
      }
    }
    String ld = env.get("LD_LIBRARY_PATH");
    if (ld != null) {
      for (String part : ld.split(":")) {
        if (!part.isBlank()) {
          out.add(Path.of(part));
        }
      }
    }
    out.add(Path.of("/usr/local/cuda/lib64"));
    out.add(Path.of("/usr/lib/x86_64-linux-gnu"));
    out.add(Path.of("/usr/lib64"));
    List<Path> roots = new ArrayList<>(pythonRoots);
    for (String var : List.of("VIRTUAL_ENV", "CONDA_PREFIX")) {
      String v = env.get(var);
      if (v != null && !v.isBlank()) {
        roots.add(Path.of(v, "lib"));
      }
    }
    roots.add(home.resolve(".local/lib"));
    for (Path root : roots) {
      for (Path sitePackages : sitePackagesUnder(root)) {
        out.addAll(nvidiaLibFolders(sitePackages));
      }
    }
    return out.stream().filter(Files::isDirectory).toList();
  }

  /**
   * {@code root} itself if it is a site-packages folder, else its {@code python3*}{@code
   * /(site|dist)-packages}.
   */
  static List<Path> sitePackagesUnder(Path root) {
    List<Path> out = new ArrayList<>();
    String name = root.getFileName() == null ? "" : root.getFileName().toString();
    if (name.equals("site-packages") || name.equals("dist-packages")) {
      out.add(root);
      return out;
    }
    for (Path py : list(root)) {
      if (py.getFileName().toString().startsWith("python3")) {
        for (String sub : List.of("site-packages", "dist-packages")) {
          Path p = py.resolve(sub);
          if (Files.isDirectory(p)) {
            out.add(p);
          }
        }
      }
    }
    return out;
  }

  /** {@code site-packages/nvidia/<package>/lib}, sorted by name so the order is reproducible. */
  static List<Path> nvidiaLibFolders(Path sitePackages) {
    return list(sitePackages.resolve("nvidia")).stream()
        .map(p -> p.resolve("lib"))
        .filter(Files::isDirectory)
        .sorted()
        .toList();
  }

  /**
   * Where Python packages usually live on Linux, when no Python interpreter is asked (it may not
   * exist).
   */
  static List<Path> pythonRoots() {
    return List.of(Path.of("/usr/local/lib"), Path.of("/usr/lib"), Path.of("/opt/conda/lib"));
  }

  private static List<Path> list(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    } catch (IOException e) {
      return List.of();
    }
  }
}
