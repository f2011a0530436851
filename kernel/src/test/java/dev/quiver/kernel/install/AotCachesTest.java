package dev.quiver.kernel.install;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.kernel.config.QuiverConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AotCachesTest {

  @TempDir Path dir;

  private final Path java = Path.of("/jdk/bin/java");
  private final QuiverConfig config =
      new QuiverConfig(
          List.of("-Dcell"),
          List.of("-Dkernel"),
          List.of("-Dextra"),
          List.of(),
          List.of(),
          List.of("runtime"),
          "kernel");
  private KernelClassPaths paths;
  private KernelCache.Aot caches;
  private AotCaches aot;

  @BeforeEach
  void trainedCaches() throws IOException {
    var jar = Files.writeString(dir.resolve("kernel.jar"), "");
    Files.setLastModifiedTime(jar, FileTime.from(Instant.now().minusSeconds(60)));
    paths = new KernelClassPaths(jar.toString(), jar + ":/no/such.jar", "");
    caches = new KernelCache.Aot(dir.resolve("kernel.aot"), dir.resolve("cell.aot"));
    Files.writeString(caches.kernelCache(), "k");
    Files.writeString(caches.cellCache(), "c");
    Files.writeString(dir.resolve("made-for"), AotCaches.madeFor(java, config, paths));
    aot = new AotCaches(dir);
  }

  @Test
  void cachesMadeForTheseFlagsAndClassPathsAfterTheirJarsAreUsed() {
    assertTrue(aot.fresh(caches, AotCaches.madeFor(java, config, paths), paths));
  }

  @Test
  void aJarNewerThanTheCachesRetrains() throws IOException {
    Files.setLastModifiedTime(
        Path.of(paths.kernel()), FileTime.from(Instant.now().plusSeconds(60)));
    assertFalse(aot.fresh(caches, AotCaches.madeFor(java, config, paths), paths));
  }

  @Test
  void otherFlagsOrClassPathsRetrain() {
    var otherFlags =
        new QuiverConfig(
            List.of("-Dcell", "-Dmore"),
            List.of("-Dkernel"),
            List.of("-Dextra"),
            List.of(),
            List.of(),
            List.of("runtime"),
            "kernel");
    assertFalse(aot.fresh(caches, AotCaches.madeFor(java, otherFlags, paths), paths));
    var otherPaths = new KernelClassPaths(paths.kernel(), paths.user() + ":/m2/new.jar", "");
    assertFalse(aot.fresh(caches, AotCaches.madeFor(java, config, otherPaths), otherPaths));
  }

  @Test
  void aMissingCacheRetrains() throws IOException {
    Files.delete(caches.cellCache());
    assertFalse(aot.fresh(caches, AotCaches.madeFor(java, config, paths), paths));
  }
}
