package dev.quiver.kernel.install;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.kernel.config.QuiverConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelspecTest {

  @TempDir Path root;

  private static final QuiverConfig CONFIG =
      new QuiverConfig(
          List.of("--cell-flag"),
          List.of("-Xkernel", "--add-opens=x"),
          List.of(),
          List.of(),
          List.of(),
          List.of("runtime"),
          "kernel");

  @Test
  void theArgvStartsJavaWithTheKernelsFlagsThenTheCacheThenTheClassPaths() {
    var paths = new KernelClassPaths("/k.jar:/z.jar", "/k.jar:/r.jar", "/kt.jar", "/sp.jar");
    var argv =
        KernelArgv.of(
            Path.of("/jdk/bin/java"),
            CONFIG,
            paths,
            new KernelCache.Aot(Path.of("/b/kernel.aot"), Path.of("/b/cell.aot")),
            List.of("-Dquiver.history=/h"));
    assertEquals(
        List.of(
            "/jdk/bin/java",
            "-Xkernel",
            "--add-opens=x",
            "-XX:AOTCache=/b/kernel.aot",
            "-Xlog:aot=off,cds=off",
            "-Dquiver.cell.aot=/b/cell.aot",
            "-Dquiver.jdkListings=/b/jdk-listings.txt",
            "-Dquiver.user.classpath=/k.jar:/r.jar",
            "-Dquiver.kotlin.classpath=/kt.jar",
            "-Dquiver.spark.classpath=/sp.jar",
            "-Dquiver.history=/h",
            "-cp",
            "/k.jar:/z.jar",
            "dev.quiver.kernel.KernelMain",
            "{connection_file}"),
        argv);
    // The cell JVM's flags are not in it: the kernel reads them from its jar.
    assertEquals(-1, argv.indexOf("--cell-flag"));
  }

  @Test
  void withoutAnAotCacheTheKernelWritesAClassDataSharingArchive() {
    var argv =
        KernelArgv.of(
            Path.of("java"),
            CONFIG,
            new KernelClassPaths("k", "u", ""),
            new KernelCache.SharedArchive(Path.of("/b/cds/kernel.jsa")),
            List.of());
    assertEquals(
        List.of(
            "-XX:SharedArchiveFile=/b/cds/kernel.jsa",
            "-XX:+AutoCreateSharedArchive",
            "-Xlog:cds=off,cds+dynamic=off"),
        argv.subList(3, 6));
  }

  @Test
  void kernelJsonIsTheTemplateWithTheArgvAndRootAsJson() throws IOException {
    var checkout = FakeCheckout.in(root);
    var argv =
        new ArrayList<>(
            List.of("/jdk/bin/java", "-Dodd=a \"quoted\" back\\slash", "{connection_file}"));
    var dir = root.resolve("out/kernels/quiver-java");

    Kernelspec.write(dir, checkout, argv);

    var json = new ObjectMapper().readTree(dir.resolve("kernel.json").toFile());
    assertEquals(argv, new ObjectMapper().convertValue(json.get("argv"), List.class));
    assertEquals("Java (Quiver)", json.get("display_name").asText());
    assertEquals(
        root.toAbsolutePath().normalize().toString(), json.at("/metadata/quiver/root").asText());
    assertArrayEquals(new byte[] {1, 2}, Files.readAllBytes(dir.resolve("logo-32x32.png")));
    assertArrayEquals(new byte[] {3, 4}, Files.readAllBytes(dir.resolve("logo-64x64.png")));
  }
}
