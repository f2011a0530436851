package dev.quiver.kernel.install;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A checkout's layout in a temporary folder: a pom, the kernelspec template, modules with jars. */
final class FakeCheckout {

  private FakeCheckout() {}

  static Checkout in(Path root) throws IOException {
    Files.writeString(root.resolve("pom.xml"), "<project/>");
    var template = Files.createDirectories(root.resolve("kernelspec"));
    Files.writeString(
        template.resolve("kernel.json.in"),
        "{\n  \"argv\": @ARGV@,\n  \"display_name\": \"Java (Quiver)\",\n  \"metadata\": {\"quiver\": {\"root\": @ROOT@}}\n}\n");
    Files.write(template.resolve("logo-32x32.png"), new byte[] {1, 2});
    Files.write(template.resolve("logo-64x64.png"), new byte[] {3, 4});
    return new Checkout(root);
  }

  /** module/target/quiver-MODULE-1.jar (with a sources jar beside it) and its classpath.txt. */
  static Path module(Path root, String module, String... dependencies) throws IOException {
    var target = Files.createDirectories(root.resolve(module).resolve("target"));
    Files.writeString(target.resolve("quiver-" + module + "-1-sources.jar"), "");
    var jar = Files.writeString(target.resolve("quiver-" + module + "-1.jar"), "");
    Files.writeString(target.resolve("classpath.txt"), String.join(":", dependencies) + "\n");
    return jar;
  }
}
