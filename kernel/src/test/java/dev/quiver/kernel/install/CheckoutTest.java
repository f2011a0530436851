package dev.quiver.kernel.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.kernel.config.QuiverConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckoutTest {

  @TempDir Path root;

  @Test
  void aModulesClassPathIsItsJarThenWhatMavenListed() throws IOException {
    var checkout = FakeCheckout.in(root);
    var jar = FakeCheckout.module(root, "runtime", "/m2/a.jar", "/m2/b.jar");
    assertEquals(jar, checkout.jar("runtime"));
    assertEquals(List.of(jar.toString(), "/m2/a.jar", "/m2/b.jar"), checkout.classPath("runtime"));
  }

  @Test
  void aModuleNotBuiltIsNamedWithTheFix() throws IOException {
    var checkout = FakeCheckout.in(root);
    assertFalse(checkout.isBuilt("dsl"));
    var e = assertThrows(IllegalStateException.class, () -> checkout.classPath("dsl"));
    assertTrue(
        e.getMessage().contains("module dsl is not built")
            && e.getMessage().contains("./quiver build"),
        e.getMessage());
  }

  @Test
  void theCellGetsTheAgentWithItsDependenciesAndEachJShellModuleWithItsDependenciesOnce()
      throws IOException {
    var checkout = FakeCheckout.in(root);
    var kernel = FakeCheckout.module(root, "kernel", "/m2/zeromq.jar", "/m2/jackson.jar");
    var agent = FakeCheckout.module(root, "agent", "/m2/display.jar", "/m2/jackson.jar");
    var runtime =
        FakeCheckout.module(root, "runtime", "/m2/display.jar", "/m2/arrow.jar", "/m2/jackson.jar");
    var dsl = FakeCheckout.module(root, "dsl", runtime.toString(), "/m2/arrow.jar", "/m2/csv.jar");
    var kotlin = FakeCheckout.module(root, "kotlin", "/m2/kotlin-stdlib.jar", "/m2/csv.jar");
    var config =
        new QuiverConfig(
            List.of(),
            List.of(),
            List.of(),
            List.of(),
            List.of(),
            List.of("runtime", "dsl"),
            "agent");

    var paths = KernelClassPaths.of(checkout, config);

    // The kernel's own dependencies (ZeroMQ) stay in the kernel JVM.
    assertEquals(
        String.join(":", kernel.toString(), "/m2/zeromq.jar", "/m2/jackson.jar"), paths.kernel());
    assertEquals(
        String.join(
            ":",
            agent.toString(),
            "/m2/display.jar",
            "/m2/jackson.jar",
            runtime.toString(),
            "/m2/arrow.jar",
            dsl.toString(),
            "/m2/csv.jar"),
        paths.user());
    assertEquals(String.join(":", kotlin.toString(), "/m2/kotlin-stdlib.jar"), paths.kotlin());
  }

  @Test
  void withoutKotlinBuiltThereIsNoKotlinClassPath() throws IOException {
    var checkout = FakeCheckout.in(root);
    FakeCheckout.module(root, "kernel");
    FakeCheckout.module(root, "agent");
    FakeCheckout.module(root, "runtime");
    var config =
        new QuiverConfig(
            List.of(), List.of(), List.of(), List.of(), List.of(), List.of("runtime"), "agent");
    assertEquals("", KernelClassPaths.of(checkout, config).kotlin());
  }
}
