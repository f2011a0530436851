package dev.quiver.kernel.install;

import dev.quiver.kernel.config.QuiverConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code KernelMain install [--user | --sys-prefix | --prefix DIR] [--history FILE] [--quiet]}:
 * writes the "Java (Quiver)" kernelspec ({@value Kernelspec#NAME}) for this checkout's build, as
 * {@code python -m ipykernel install} does for IPython, after training the AOT caches it uses.
 * {@code ./quiver kernel install} runs it, and so do {@code notebook}, {@code render} and {@code
 * bench kernel} (the last into build/, with its own history file).
 */
public final class KernelInstall {

  private static final String USAGE = "(use --user, --sys-prefix or --prefix DIR)";

  private KernelInstall() {}

  /** Where the kernelspec goes, as {@code jupyter kernelspec install} names it. */
  sealed interface Place {
    record User() implements Place {}

    record SysPrefix() implements Place {}

    record Prefix(Path dir) implements Place {}
  }

  record Options(Place place, List<String> extraJvmOptions, boolean quiet) {}

  /** Runs the command; returns its exit status. */
  public static int run(String[] args) {
    try {
      var options = parse(args);
      var kernels = kernelsFolder(options.place());
      var dir = install(kernels, options.extraJvmOptions());
      if (!options.quiet()) {
        System.err.println(
            "quiver: installed the kernelspec "
                + Kernelspec.NAME
                + " (\"Java (Quiver)\") in "
                + dir);
      }
      return 0;
    } catch (IllegalArgumentException
        | IllegalStateException
        | IOException
        | UncheckedIOException e) {
      System.err.println("quiver: " + e.getMessage());
      return 1;
    }
  }

  /**
   * Trains the AOT caches when needed and writes {@code kernels/quiver-java}; returns that folder.
   */
  public static Path install(Path kernels, List<String> extraJvmOptions) throws IOException {
    var checkout = Checkout.ofThisKernel();
    var config = QuiverConfig.load();
    var paths = KernelClassPaths.of(checkout, config);
    var java = KernelArgv.thisJava();
    KernelCache cache = null;
    if (!AotCaches.disabled()) {
      cache =
          new AotCaches(checkout.build().resolve("aot")).ensure(java, config, paths).orElse(null);
    }
    if (cache == null) {
      // A class-data-sharing archive (written at the first exit, refreshed when the jars
      // change) makes the kernel JVM start quicker.
      var cds = checkout.build().resolve("cds");
      Files.createDirectories(cds);
      cache = new KernelCache.SharedArchive(cds.resolve("kernel.jsa"));
    }
    var dir = kernels.resolve(Kernelspec.NAME);
    Kernelspec.write(dir, checkout, KernelArgv.of(java, config, paths, cache, extraJvmOptions));
    return dir;
  }

  static Options parse(String[] args) {
    Place place = new Place.User();
    var extra = new ArrayList<String>();
    boolean quiet = false;
    for (int i = 0; i < args.length; i++) {
      var arg = args[i];
      switch (arg) {
        case "--user" -> place = new Place.User();
        case "--sys-prefix" -> place = new Place.SysPrefix();
        case "--prefix" ->
            place = new Place.Prefix(Path.of(value(args, ++i, "--prefix needs a folder")));
        case "--history" ->
            extra.add(
                "-Dquiver.history="
                    + Path.of(value(args, ++i, "--history needs a file")).toAbsolutePath());
        case "--quiet" -> quiet = true;
        default -> {
          if (arg.startsWith("--prefix=")) {
            var dir = arg.substring("--prefix=".length());
            place =
                new Place.Prefix(Path.of(value(new String[] {dir}, 0, "--prefix needs a folder")));
          } else {
            throw new IllegalArgumentException(
                "kernel install: unknown option " + arg + " " + USAGE);
          }
        }
      }
    }
    return new Options(place, extra, quiet);
  }

  private static String value(String[] args, int i, String missing) {
    if (i >= args.length || args[i].isBlank()) {
      throw new IllegalArgumentException(missing);
    }
    return args[i];
  }

  /** The {@code kernels} folder of that place. */
  static Path kernelsFolder(Place place) {
    return switch (place) {
      case Place.User() -> jupyterDataDir().resolve("kernels");
      case Place.SysPrefix() -> pythonPrefix().resolve("share/jupyter/kernels");
      case Place.Prefix(var dir) -> dir.toAbsolutePath().resolve("share/jupyter/kernels");
    };
  }

  // Jupyter's user data folder: $JUPYTER_DATA_DIR, else $XDG_DATA_HOME/jupyter or
  // ~/.local/share/jupyter.
  private static Path jupyterDataDir() {
    var explicit = System.getenv("JUPYTER_DATA_DIR");
    if (explicit != null && !explicit.isEmpty()) {
      return Path.of(explicit);
    }
    var xdg = System.getenv("XDG_DATA_HOME");
    var data =
        xdg != null && !xdg.isEmpty()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".local", "share");
    return data.resolve("jupyter");
  }

  // sys.prefix of the system's Python (the one Debian's Jupyter runs on), else /usr.
  private static Path pythonPrefix() {
    try {
      var process =
          new ProcessBuilder("/usr/bin/python3", "-c", "import sys; print(sys.prefix)")
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      var out = new String(process.getInputStream().readAllBytes()).strip();
      if (process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0 && !out.isEmpty()) {
        return Path.of(out);
      }
    } catch (IOException e) {
      // no python3: Debian's prefix
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return Path.of("/usr");
  }
}
