package dev.quiver.kernel.jshell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.JavaFileObject;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JarListingsTest {

  private static final Set<JavaFileObject.Kind> KINDS =
      Set.of(JavaFileObject.Kind.CLASS, JavaFileObject.Kind.SOURCE);

  /**
   * The listing is javac's own: for each package, the same files with the same binary names and
   * kinds in the same order, a multi-release jar at the release asked for, META-INF and other
   * folders that are not identifiers left out, the first jar's class before the second's.
   */
  @Test
  void listsWhatJavacLists(@TempDir Path dir) throws Exception {
    var one = dir.resolve("one.jar");
    var two = dir.resolve("two.jar");
    writeJar(
        one,
        true,
        Map.of(
            "p/A.class", "a",
            "p/A$Inner.class", "ai",
            "p/q/B.class", "b",
            "p/Src.java", "package p; class Src {}",
            "p/notes.txt", "n",
            "Top.class", "t",
            "META-INF/versions/11/p/A.class", "a11",
            "META-INF/versions/11/p/Only11.class", "o11",
            "META-INF/versions/99/p/Only99.class", "o99",
            "bad-name/C.class", "c"));
    writeJar(two, false, Map.of("p/A.class", "a2", "r/D.class", "d"));
    var javac = ToolProvider.getSystemJavaCompiler();
    for (var release : new String[] {null, "25"}) {
      try (var files = javac.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8)) {
        if (release != null) {
          files.handleOption("--multi-release", List.of(release).iterator());
        }
        files.setLocationFromPaths(StandardLocation.CLASS_PATH, List.of(one, two));
        try (var listings = JarListings.of(List.of(one, two), release)) {
          assertNotNull(listings);
          for (var pkg : List.of("p", "p.q", "", "r", "bad-name", "META-INF", "nothing")) {
            var expected = new ArrayList<String>();
            for (var f : files.list(StandardLocation.CLASS_PATH, pkg, KINDS, false)) {
              expected.add(
                  files.inferBinaryName(StandardLocation.CLASS_PATH, f)
                      + " "
                      + f.getKind()
                      + " "
                      + content(f));
            }
            var actual = new ArrayList<String>();
            for (var f : listings.list(pkg, KINDS)) {
              actual.add(
                  ((JarListings.Entry) f).binaryName() + " " + f.getKind() + " " + content(f));
            }
            assertEquals(
                expected.stream().sorted().toList(),
                actual.stream().sorted().toList(),
                "package '" + pkg + "', release " + release);
            assertEquals(expected.size(), actual.size());
          }
        }
      }
    }
  }

  @Test
  void aFolderOnTheClassPathLeavesTheListingToJavac(@TempDir Path dir) throws Exception {
    var jar = dir.resolve("one.jar");
    writeJar(jar, false, Map.of("p/A.class", "a"));
    assertNull(JarListings.of(List.of(jar, dir), "25"));
    assertNull(JarListings.of(List.of(jar, dir.resolve("missing.jar")), "25"));
    try (var listings = JarListings.of(List.of(jar), "25")) {
      assertNotNull(listings);
    }
  }

  /**
   * Through JShell: a class in a jar compiles and runs, a missing package is reported by name as
   * before, and a jar added later (as %maven adds one) is listed.
   */
  @Test
  void jshellCompilesAgainstTheListedJars(@TempDir Path dir) throws Exception {
    var first =
        CompiledClasses.jar(
            dir,
            "first",
            "package first; public class One { public static int one() { return 1; } }");
    var later =
        CompiledClasses.jar(
            dir,
            "later",
            "package later; public class Two { public static int two() { return 2; } }");
    try (var js =
        JShell.builder()
            .executionEngine("local")
            .fileManager(IndexKeepingFileManager::new)
            .build()) {
      js.addToClasspath(first.toString());
      assertEquals("1", js.eval("first.One.one()").getFirst().value());
      assertEquals(Snippet.Status.VALID, js.eval("import first.*;").getFirst().status());
      assertEquals("1", js.eval("One.one()").getFirst().value());
      var missing = js.eval("import nowhere.at.all.*;").getFirst();
      assertEquals(Snippet.Status.REJECTED, missing.status());
      assertTrue(
          js.diagnostics(missing.snippet())
              .anyMatch(
                  d -> d.getMessage(Locale.ROOT).contains("package nowhere.at.all does not exist")),
          "javac's message, naming the package");
      var notYet = js.eval("later.Two.two()").getFirst();
      assertEquals(Snippet.Status.REJECTED, notYet.status());
      js.addToClasspath(later.toString());
      assertEquals("2", js.eval("later.Two.two()").getFirst().value());
      assertEquals("1", js.eval("first.One.one()").getFirst().value());
    }
  }

  /** The file manager answers from the listings while the class path is all jars, else javac. */
  @Test
  void theFileManagerListsJarsItselfAndFoldersThroughJavac(@TempDir Path dir) throws Exception {
    var jar = CompiledClasses.jar(dir, "first", "package first; public class One {}");
    var javac = ToolProvider.getSystemJavaCompiler();
    try (var manager =
        new IndexKeepingFileManager(
            javac.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8), "")) {
      manager.handleOption("--multi-release", List.of("25").iterator());
      manager.handleOption("-classpath", List.of(jar.toString()).iterator());
      var listed = new ArrayList<JavaFileObject>();
      manager.list(StandardLocation.CLASS_PATH, "first", KINDS, false).forEach(listed::add);
      assertEquals(1, listed.size());
      assertTrue(listed.getFirst() instanceof JarListings.Entry, listed.toString());
      assertEquals(
          "first.One", manager.inferBinaryName(StandardLocation.CLASS_PATH, listed.getFirst()));
      var folder = dir.resolve("classes-first");
      manager.handleOption(
          "-classpath", List.of(jar + java.io.File.pathSeparator + folder).iterator());
      listed.clear();
      manager.list(StandardLocation.CLASS_PATH, "first", KINDS, false).forEach(listed::add);
      assertEquals(2, listed.size(), "the jar's and the folder's, javac's own listing");
      assertTrue(listed.stream().noneMatch(f -> f instanceof JarListings.Entry), listed.toString());
    }
  }

  private static String content(JavaFileObject f) throws IOException {
    try (var in = f.openInputStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static void writeJar(Path jar, boolean multiRelease, Map<String, String> entries)
      throws IOException {
    var manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    if (multiRelease) {
      manifest.getMainAttributes().put(Attributes.Name.MULTI_RELEASE, "true");
    }
    var bytes = new ByteArrayOutputStream();
    try (var out = new JarOutputStream(bytes, manifest)) {
      for (var e : entries.keySet().stream().sorted().toList()) {
        out.putNextEntry(new JarEntry(e));
        out.write(entries.get(e).getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
      }
    }
    Files.write(jar, bytes.toByteArray());
  }
}
