package dev.quiver.kernel.install;

import dev.quiver.kernel.config.QuiverConfig;
import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The three class paths of a kernel, each ':'-separated.
 *
 * @param kernel the kernel JVM's: the kernel and its dependencies (ZeroMQ, Jackson, Maven Resolver)
 * @param user the cell JVM's: the agent (the cell JVM's main class) with its dependencies, then
 *     every JShell module with its dependencies. Not the kernel's dependencies: on the cell class
 *     path they were half of its jars, which javac searches for every package a cell names, and
 *     names a cell could import by mistake.
 * @param kotlin what the kernel adds to the cell JVM on the first {@code %%kotlin} cell: the Kotlin
 *     host and compiler, less what the cell JVM has already; empty when Kotlin is not built
 * @param spark what the kernel adds to the cell JVM on the first {@code %spark}: Quiver's Spark
 *     module and Apache Spark, less what the cell JVM has already; empty when it is not built
 */
public record KernelClassPaths(String kernel, String user, String kotlin, String spark) {

  public KernelClassPaths(String kernel, String user, String kotlin) {
    this(kernel, user, kotlin, "");
  }

  /** The class paths of a built checkout. */
  public static KernelClassPaths of(Checkout checkout, QuiverConfig config) {
    var user = new LinkedHashSet<String>();
    user.addAll(checkout.classPath(config.agentModule()));
    for (var module : config.jshellModules()) {
      user.addAll(checkout.classPath(module));
    }
    var kotlin = new LinkedHashSet<String>();
    if (checkout.isBuilt("kotlin")) {
      kotlin.addAll(checkout.classPath("kotlin"));
      kotlin.removeAll(user);
    }
    var spark = new LinkedHashSet<String>();
    if (checkout.isBuilt("spark")) {
      spark.addAll(checkout.classPath("spark"));
      spark.removeAll(user);
    }
    return new KernelClassPaths(
        join(checkout.classPath("kernel")), join(user), join(kotlin), join(spark));
  }

  /** Every jar or folder of the kernel's and the cell's class paths. */
  public List<String> kernelAndUserEntries() {
    var all = new ArrayList<String>();
    for (var path : List.of(kernel, user)) {
      if (!path.isEmpty()) {
        all.addAll(List.of(path.split(File.pathSeparator)));
      }
    }
    return all;
  }

  static String join(Iterable<String> entries) {
    var joined = new ArrayList<String>();
    entries.forEach(
        e -> {
          if (!e.isBlank() && !joined.contains(e)) {
            joined.add(e);
          }
        });
    return String.join(File.pathSeparator, joined);
  }
}
