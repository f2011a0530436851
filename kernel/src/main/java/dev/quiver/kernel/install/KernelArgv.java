package dev.quiver.kernel.install;

import dev.quiver.kernel.KernelMain;
import dev.quiver.kernel.config.QuiverConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command a kernelspec starts the kernel with. */
public final class KernelArgv {

  private KernelArgv() {}

  /** The JDK this JVM runs on: the kernel runs on the one that installed it. */
  public static Path thisJava() {
    return Path.of(System.getProperty("java.home"), "bin", "java");
  }

  /**
   * {@code java}, the kernel JVM's flags, the cache's, the class paths the kernel hands to the cell
   * JVM, {@code extra} (more JVM options, such as {@code -Dquiver.history=...}), the class path and
   * {@code KernelMain {connection_file}}. The cell JVM's flags and imports are not in it: the
   * kernel reads them from its own jar ({@link QuiverConfig}).
   */
  public static List<String> of(
      Path java,
      QuiverConfig config,
      KernelClassPaths paths,
      KernelCache cache,
      List<String> extra) {
    var argv = new ArrayList<String>();
    argv.add(java.toString());
    argv.addAll(config.kernelJvmFlags());
    argv.addAll(cache.flags());
    argv.add("-Dquiver.user.classpath=" + paths.user());
    argv.add("-Dquiver.kotlin.classpath=" + paths.kotlin());
    argv.add("-Dquiver.spark.classpath=" + paths.spark());
    argv.addAll(extra);
    argv.addAll(List.of("-cp", paths.kernel(), KernelMain.class.getName(), "{connection_file}"));
    return argv;
  }
}
