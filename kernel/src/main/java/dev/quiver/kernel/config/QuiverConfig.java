package dev.quiver.kernel.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * Quiver's JVM flags and default imports, as the parent pom writes them (its {@code quiver.*}
 * properties, the one place they are spelled). Maven filters them into this package's resources:
 * {@code quiver.properties} (flags and module names, one line each), {@code imports.jsh} and {@code
 * kernel-imports.jsh} (JShell startup text, an import a line). {@code ./quiver} reads the same
 * files from {@code kernel/target/classes}.
 *
 * @param jvmFlags the flags of every JVM that runs Quiver (the cell JVM, tests, benchmarks, jshell)
 * @param kernelJvmFlags the kernel JVM's own flags (memory, JIT, access to javac's internals)
 * @param cellJvmFlags what the cell JVM adds to {@code jvmFlags}
 * @param imports the default imports of every Quiver JShell ({@code ./quiver jshell}, the cells)
 * @param kernelImports what the kernel's cells import on top (JDK packages, the agent)
 * @param jshellModules the modules whose jars and dependencies every Quiver JShell sees
 * @param agentModule the module whose jar (alone) runs in the cell JVM beside them
 */
public record QuiverConfig(
    List<String> jvmFlags,
    List<String> kernelJvmFlags,
    List<String> cellJvmFlags,
    List<String> imports,
    List<String> kernelImports,
    List<String> jshellModules,
    String agentModule) {

  private static final String FOLDER = "/dev/quiver/kernel/config/";

  public QuiverConfig {
    jvmFlags = List.copyOf(jvmFlags);
    kernelJvmFlags = List.copyOf(kernelJvmFlags);
    cellJvmFlags = List.copyOf(cellJvmFlags);
    imports = List.copyOf(imports);
    kernelImports = List.copyOf(kernelImports);
    jshellModules = List.copyOf(jshellModules);
  }

  /** The configuration in the kernel's jar (or target/classes). */
  public static QuiverConfig load() {
    var properties = new Properties();
    try (var in = resource("quiver.properties")) {
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + FOLDER + "quiver.properties", e);
    }
    return new QuiverConfig(
        words(properties, "jvm.flags"),
        words(properties, "kernel.jvm.flags"),
        words(properties, "cell.jvm.flags"),
        importLines("imports.jsh"),
        importLines("kernel-imports.jsh"),
        words(properties, "jshell.modules"),
        String.join(" ", words(properties, "agent.module")));
  }

  /**
   * Every import a cell starts with: the kernel's, then Quiver's (order does not matter to JShell).
   */
  public List<String> cellImports() {
    var all = new ArrayList<>(kernelImports);
    all.addAll(imports);
    return all;
  }

  /** A list of flags as one line, the way a {@code -Dquiver.jvm.flags=...} property carries it. */
  public static String line(List<String> flags) {
    return String.join(" ", flags);
  }

  /** The flags of such a line (split at white space). */
  public static List<String> flags(String line) {
    return line.isBlank() ? List.of() : Arrays.asList(line.strip().split("\\s+"));
  }

  private static List<String> words(Properties properties, String key) {
    var value = properties.getProperty(key);
    if (value == null || value.contains("${")) {
      // ${...} left in place: the resource was copied without Maven's filtering.
      throw new IllegalStateException(
          FOLDER
              + "quiver.properties has no usable "
              + key
              + " ("
              + value
              + "); build the kernel with Maven, which fills it in from the parent pom");
    }
    return flags(value);
  }

  private static List<String> importLines(String name) {
    try (var in = resource(name)) {
      var text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      if (text.contains("${")) {
        throw new IllegalStateException(
            FOLDER + name + " was copied without Maven's filtering; build the kernel with Maven");
      }
      return text.lines().map(String::strip).filter(line -> line.startsWith("import ")).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + FOLDER + name, e);
    }
  }

  private static InputStream resource(String name) throws IOException {
    var in = QuiverConfig.class.getResourceAsStream(FOLDER + name);
    if (in == null) {
      throw new IOException(
          FOLDER
              + name
              + " is not on this JVM's class path; is the kernel's jar (or target/classes) on it?");
    }
    return in;
  }
}
