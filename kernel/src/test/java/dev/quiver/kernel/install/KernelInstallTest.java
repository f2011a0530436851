package dev.quiver.kernel.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class KernelInstallTest {

  @Test
  void optionsNameThePlaceAsJupyterDoes() {
    assertEquals(new KernelInstall.Place.User(), KernelInstall.parse(new String[0]).place());
    assertEquals(
        new KernelInstall.Place.SysPrefix(),
        KernelInstall.parse(new String[] {"--sys-prefix"}).place());
    assertEquals(
        new KernelInstall.Place.Prefix(Path.of("/opt/j")),
        KernelInstall.parse(new String[] {"--prefix", "/opt/j"}).place());
    assertEquals(
        new KernelInstall.Place.Prefix(Path.of("/opt/j")),
        KernelInstall.parse(new String[] {"--prefix=/opt/j"}).place());
    assertEquals(
        new KernelInstall.Place.User(),
        KernelInstall.parse(new String[] {"--prefix", "/x", "--user"}).place());
    assertEquals(
        Path.of("/opt/j/share/jupyter/kernels"),
        KernelInstall.kernelsFolder(new KernelInstall.Place.Prefix(Path.of("/opt/j"))));
  }

  @Test
  void historyAndQuietAreTheBenchmarksOptions() {
    var options = KernelInstall.parse(new String[] {"--history", "/b/history.jsonl", "--quiet"});
    assertEquals(List.of("-Dquiver.history=/b/history.jsonl"), options.extraJvmOptions());
    assertTrue(options.quiet());
  }

  @Test
  void mistakesAreNamed() {
    var unknown =
        assertThrows(
            IllegalArgumentException.class, () -> KernelInstall.parse(new String[] {"--usr"}));
    assertEquals(
        "kernel install: unknown option --usr (use --user, --sys-prefix or --prefix DIR)",
        unknown.getMessage());
    var noFolder =
        assertThrows(
            IllegalArgumentException.class, () -> KernelInstall.parse(new String[] {"--prefix"}));
    assertEquals("--prefix needs a folder", noFolder.getMessage());
    assertEquals(1, KernelInstall.run(new String[] {"--usr"}));
  }
}
