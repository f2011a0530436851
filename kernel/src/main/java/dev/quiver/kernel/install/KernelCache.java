package dev.quiver.kernel.install;

import java.nio.file.Path;
import java.util.List;

/** What makes the kernel JVM start quicker: the flags a kernelspec gives it for that. */
public sealed interface KernelCache {

  List<String> flags();

  /**
   * The AOT caches of the kernel JVM and of the cell JVM (see {@link AotCaches}). -Xlog off: after
   * a build the caches are gone until retrained, and the JVM then starts without them; the kernel's
   * log need not say so each time.
   */
  record Aot(Path kernelCache, Path cellCache) implements KernelCache {
    @Override
    public List<String> flags() {
      return List.of(
          "-XX:AOTCache=" + kernelCache,
          "-Xlog:aot=off,cds=off",
          "-Dquiver.cell.aot=" + cellCache,
          "-Dquiver.jdkListings=" + jdkListings());
    }

    /**
     * What the training's javac listed of the JDK's packages (the kernel's {@code JdkListings}):
     * beside the kernel's cache, made with it.
     */
    public Path jdkListings() {
      return kernelCache.resolveSibling("jdk-listings.txt");
    }
  }

  /**
   * A class-data-sharing archive, written at the kernel's first exit and refreshed when the jars
   * change.
   */
  record SharedArchive(Path archive) implements KernelCache {
    @Override
    public List<String> flags() {
      return List.of(
          "-XX:SharedArchiveFile=" + archive,
          "-XX:+AutoCreateSharedArchive",
          "-Xlog:cds=off,cds+dynamic=off");
    }
  }

  /** Neither (the tests' kernel, whose class path has folders, which both refuse). */
  record None() implements KernelCache {
    @Override
    public List<String> flags() {
      return List.of();
    }
  }
}
