package dev.quiver.kernel.jshell;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.ToolProvider;

/** One public class compiled for a test, as a folder of classes or as a jar. */
final class CompiledClasses {

  private CompiledClasses() {}

  /** {@code source} (one public class) compiled into {@code dir/classes-NAME}. */
  static Path folder(Path dir, String name, String source) throws IOException {
    var simple = source.substring(source.indexOf("class ") + 6, source.indexOf(" {"));
    var file = dir.resolve("src-" + name).resolve(simple + ".java");
    Files.createDirectories(file.getParent());
    Files.writeString(file, source, StandardCharsets.UTF_8);
    var classes = dir.resolve("classes-" + name);
    var javac = ToolProvider.getSystemJavaCompiler();
    try (var files = javac.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8)) {
      assertTrue(
          javac
              .getTask(
                  null,
                  files,
                  null,
                  List.of("-d", classes.toString()),
                  null,
                  files.getJavaFileObjects(file))
              .call(),
          "compiles: " + source);
    }
    return classes;
  }

  /** {@code source} compiled into {@code dir/NAME.jar}. */
  static Path jar(Path dir, String name, String source) throws IOException {
    var classes = folder(dir, name, source);
    var jar = dir.resolve(name + ".jar");
    try (var out = new JarOutputStream(Files.newOutputStream(jar));
        var walk = Files.walk(classes)) {
      for (var f : walk.filter(Files::isRegularFile).toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
        out.write(Files.readAllBytes(f));
        out.closeEntry();
      }
    }
    return jar;
  }
}
