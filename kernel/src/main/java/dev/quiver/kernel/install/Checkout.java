package dev.quiver.kernel.install;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A built Quiver checkout: where the kernel's installer finds the modules' class paths, the
 * kernelspec template and its build folder. A module's run-time class path is its jar in {@code
 * <module>/target/} followed by {@code <module>/target/classpath.txt}, which Maven writes when it
 * packages the module (see the parent pom); {@code ./quiver} reads the same two.
 *
 * @param root the folder of the parent pom
 */
public record Checkout(Path root) {

  public Checkout {
    root = root.toAbsolutePath().normalize();
  }

  /**
   * The checkout this class was built in: {@code -Dquiver.root}, else three folders above the
   * kernel's jar or classes ({@code <root>/kernel/target/quiver-kernel-*.jar}).
   */
  public static Checkout ofThisKernel() {
    var property = System.getProperty("quiver.root");
    Path root;
    if (property != null && !property.isBlank()) {
      root = Path.of(property);
    } else {
      try {
        var code =
            Path.of(Checkout.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        root = code.toAbsolutePath().getParent().getParent().getParent();
      } catch (URISyntaxException | NullPointerException e) {
        throw new IllegalStateException(
            "cannot tell where the kernel was built; set -Dquiver.root=CHECKOUT", e);
      }
    }
    if (!Files.isRegularFile(root.resolve("pom.xml"))
        || !Files.isDirectory(root.resolve("kernelspec"))) {
      throw new IllegalStateException(
          root
              + " is not a Quiver checkout (no pom.xml and kernelspec/ there); set -Dquiver.root=CHECKOUT");
    }
    return new Checkout(root);
  }

  /** Generated files ({@code ./quiver}'s and the installer's): AOT caches, the CDS archive. */
  public Path build() {
    return root.resolve("build");
  }

  /** The kernel.json template and the logos. */
  public Path kernelspecTemplate() {
    return root.resolve("kernelspec");
  }

  public boolean isBuilt(String module) {
    return findJar(module) != null;
  }

  /** The module's jar (not its sources, tests or javadoc jar). */
  public Path jar(String module) {
    var jar = findJar(module);
    if (jar == null) {
      throw new IllegalStateException(
          "module "
              + module
              + " is not built (no jar in "
              + root.resolve(module).resolve("target")
              + "); run ./quiver build");
    }
    return jar;
  }

  /** The module's run-time class path: its jar, then its run-time dependencies. */
  public List<String> classPath(String module) {
    var file = root.resolve(module).resolve("target").resolve("classpath.txt");
    var entries = new ArrayList<String>();
    entries.add(jar(module).toString());
    try {
      var text = Files.readString(file).strip();
      if (!text.isEmpty()) {
        entries.addAll(List.of(text.split(java.io.File.pathSeparator)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read " + file + " (Maven writes it at package); run ./quiver build", e);
    }
    return entries;
  }

  private Path findJar(String module) {
    var target = root.resolve(module).resolve("target");
    if (!Files.isDirectory(target)) {
      return null;
    }
    try (var files = Files.list(target)) {
      return files
          .filter(
              f -> {
                var name = f.getFileName().toString();
                return name.endsWith(".jar")
                    && !name.endsWith("-sources.jar")
                    && !name.endsWith("-tests.jar")
                    && !name.endsWith("-javadoc.jar")
                    && Files.isRegularFile(f);
              })
          .sorted()
          .findFirst()
          .orElse(null);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + target, e);
    }
  }
}
