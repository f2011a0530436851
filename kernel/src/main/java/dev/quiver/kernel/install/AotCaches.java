package dev.quiver.kernel.install;

import dev.quiver.kernel.AotTraining;
import dev.quiver.kernel.config.QuiverConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code build/aot/kernel.aot} and {@code build/aot/cell.aot}: ahead-of-time caches (JDK 25, JEP
 * 483/515) of the kernel JVM and of the JVM that runs cells, made from a training run of sample
 * cells ({@link AotTraining}). With them javac, JShell, the agent and the runtime start loaded,
 * linked and profiled, which is most of a kernel's time to its first cell. Without them
 * (QUIVER_AOT=0, or training failed) the kernel starts as before, only slower.
 *
 * <p>Made again when a jar on either class path is newer than the caches (a build; {@code ./quiver
 * build} also deletes them, since JDK 25 served a class of a jar rebuilt at the same size from the
 * old cache), or when they were made for other flags or class paths ({@code made-for}): the JVM
 * refuses such a cache silently, and the kernel would just start slower.
 */
public final class AotCaches {

  private static final long TRAINING_MINUTES = 10;

  private final Path dir;

  public AotCaches(Path dir) {
    this.dir = dir;
  }

  /** Whether QUIVER_AOT=0 asks for no caches (neither made nor used). */
  public static boolean disabled() {
    return "0".equals(System.getenv("QUIVER_AOT"));
  }

  /**
   * The caches for this kernel, trained first when missing or stale; empty when training failed.
   */
  public Optional<KernelCache.Aot> ensure(Path java, QuiverConfig config, KernelClassPaths paths)
      throws IOException {
    var caches = new KernelCache.Aot(dir.resolve("kernel.aot"), dir.resolve("cell.aot"));
    var key = madeFor(java, config, paths);
    if (fresh(caches, key, paths)) {
      return Optional.of(caches);
    }
    Files.createDirectories(dir);
    try (var lock =
            FileChannel.open(
                dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        var held = lock.lock()) { // one training at a time
      if (fresh(caches, key, paths)) {
        return Optional.of(caches); // another install made them while this one waited
      }
      return train(java, config, paths, caches, key) ? Optional.of(caches) : Optional.empty();
    }
  }

  private boolean train(
      Path java, QuiverConfig config, KernelClassPaths paths, KernelCache.Aot caches, String key)
      throws IOException {
    System.err.println(
        "quiver: training the kernel's AOT caches on sample cells (after each build, about 30 s; QUIVER_AOT=0 skips it)...");
    var log = dir.resolve("training.log");
    var cellConfiguration = dir.resolve("cell.aotconf");
    var history = dir.resolve("history.jsonl");
    for (var stale :
        List.of(
            caches.kernelCache(),
            caches.cellCache(),
            caches.jdkListings(),
            dir.resolve("made-for"),
            history)) {
      Files.deleteIfExists(stale);
    }
    Files.writeString(log, "");
    // The kernel JVM writes its cache at exit; the cell JVM it starts records which classes it
    // used (AOTMode=record), and a second run of that JVM's java makes its cache from them.
    var cellFlags = new ArrayList<>(config.jvmFlags());
    cellFlags.addAll(List.of("-XX:AOTMode=record", "-XX:AOTConfiguration=" + cellConfiguration));
    var training = new ArrayList<String>();
    training.add(java.toString());
    training.addAll(config.kernelJvmFlags());
    training.addAll(
        List.of(
            // Classes only, no method profiles: with the training's profiles in its cache, the
            // kernel JVM compiled what was hot in the training early, at every start (about 10%
            // more of its CPU to the first Iris result, docs/kernel.md).
            "-XX:+UnlockDiagnosticVMOptions",
            "-XX:-AOTRecordTraining",
            "-XX:AOTCacheOutput=" + caches.kernelCache(),
            "-Dquiver.user.classpath=" + paths.user(),
            "-Dquiver.jvm.flags=" + QuiverConfig.line(cellFlags),
            "-Dquiver.history=" + history,
            "-Dquiver.jdkListings.record=" + caches.jdkListings(),
            "-cp",
            paths.kernel(),
            AotTraining.class.getName()));
    // Made with the cell JVM's own flags (those it recorded with, and runs with): with other
    // --add-opens than the recording's, the JVM made the cache without its module graph
    // ("Mismatched values for property jdk.module.addopens ... disabling full module graph").
    var create = new ArrayList<String>();
    create.add(java.toString());
    create.addAll(config.jvmFlags());
    create.addAll(config.cellJvmFlags());
    create.addAll(
        List.of(
            "-XX:AOTMode=create",
            "-XX:AOTConfiguration=" + cellConfiguration,
            "-XX:AOTCache=" + caches.cellCache(),
            "-cp",
            paths.user()));
    boolean ok = run(training, log) && run(create, log);
    Files.deleteIfExists(cellConfiguration);
    Files.deleteIfExists(history);
    if (ok
        && Files.isRegularFile(caches.kernelCache())
        && Files.isRegularFile(caches.cellCache())) {
      Files.writeString(dir.resolve("made-for"), key);
      System.err.println("quiver: AOT caches ready in build/aot/");
      return true;
    }
    Files.deleteIfExists(caches.kernelCache());
    Files.deleteIfExists(caches.cellCache());
    System.err.println(
        "quiver: could not make the AOT caches (see build/aot/training.log); the kernel starts without them");
    return false;
  }

  private static boolean run(List<String> command, Path log) throws IOException {
    var process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    try {
      if (!process.waitFor(TRAINING_MINUTES, TimeUnit.MINUTES)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        Files.writeString(
            log,
            "\nquiver: stopped after " + TRAINING_MINUTES + " minutes\n",
            StandardOpenOption.APPEND);
        return false;
      }
      return process.exitValue() == 0;
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      return false;
    }
  }

  // What the caches were made for: the JDK, the JVMs' flags and class paths.
  static String madeFor(Path java, QuiverConfig config, KernelClassPaths paths) {
    return String.join(
        "\n",
        java.toString(),
        QuiverConfig.line(config.kernelJvmFlags()),
        QuiverConfig.line(config.jvmFlags()),
        QuiverConfig.line(config.cellJvmFlags()),
        paths.user(),
        paths.kernel());
  }

  boolean fresh(KernelCache.Aot caches, String key, KernelClassPaths paths) {
    try {
      if (!Files.isRegularFile(caches.kernelCache())
          || !Files.isRegularFile(caches.cellCache())
          || !key.equals(Files.readString(dir.resolve("made-for")))) {
        return false;
      }
      var made =
          min(
              Files.getLastModifiedTime(caches.kernelCache()),
              Files.getLastModifiedTime(caches.cellCache()));
      for (var entry : paths.kernelAndUserEntries()) {
        var path = Path.of(entry);
        if (Files.exists(path) && Files.getLastModifiedTime(path).compareTo(made) > 0) {
          return false;
        }
      }
      return true;
    } catch (java.nio.file.NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check the AOT caches in " + dir, e);
    }
  }

  private static FileTime min(FileTime a, FileTime b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
