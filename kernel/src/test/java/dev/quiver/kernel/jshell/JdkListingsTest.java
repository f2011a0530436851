package dev.quiver.kernel.jshell;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.tools.JavaFileObject;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JdkListingsTest {

  private static final Set<JavaFileObject.Kind> KINDS =
      java.util.EnumSet.allOf(JavaFileObject.Kind.class); // as javac asks

  /**
   * Kept and read back, a listing gives javac the files it listed itself, in its order, with the
   * same binary names and bytes; a package not kept, or a file made for another JDK, gives none.
   */
  @Test
  void aKeptListingIsJavacsOwn(@TempDir Path dir) throws Exception {
    var javac = ToolProvider.getSystemJavaCompiler();
    var file = dir.resolve("jdk-listings.txt");
    var expected = new ArrayList<String>();
    try (var manager =
        new IndexKeepingFileManager(
            javac.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8),
            "",
            JdkListings.load(dir.resolve("none.txt")))) {
      var base = manager.getLocationForModule(StandardLocation.SYSTEM_MODULES, "java.base");
      for (var pkg : List.of("java.util", "java.util.function")) {
        for (var f : manager.list(base, pkg, KINDS, false)) {
          expected.add(manager.inferBinaryName(base, f));
        }
      }
      manager.keepSystemListings(file);
    }
    var kept = JdkListings.load(file);
    try (var manager =
        new IndexKeepingFileManager(
            javac.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8), "", kept)) {
      var base = manager.getLocationForModule(StandardLocation.SYSTEM_MODULES, "java.base");
      var actual = new ArrayList<String>();
      for (var pkg : List.of("java.util", "java.util.function")) {
        for (var f : manager.list(base, pkg, KINDS, false)) {
          assertTrue(f instanceof JdkListings.ImageFile, f.toString());
          actual.add(manager.inferBinaryName(base, f));
        }
      }
      assertEquals(expected, actual);
      assertTrue(actual.contains("java.util.ArrayList"), actual.toString());
      assertTrue(actual.contains("java.util.currency"), "java.util's currency.data: " + actual);
      var arrayList =
          manager.list(base, "java.util", KINDS, false).iterator().next(); // the first, whatever
      var real =
          manager.getJavaFileForInput(
              base, manager.inferBinaryName(base, arrayList), JavaFileObject.Kind.CLASS);
      try (var a = arrayList.openInputStream();
          var b = real.openInputStream()) {
        assertArrayEquals(b.readAllBytes(), a.readAllBytes());
      }
      assertEquals(real.getName(), arrayList.getName());
      assertTrue(manager.isSameFile(arrayList, real));
      assertNull(kept.list(manager, base, "java.io", KINDS, false), "not kept");
    }
    var lines = Files.readAllLines(file);
    lines.set(0, lines.getFirst() + "0");
    Files.write(file, lines);
    assertTrue(JdkListings.load(file).isEmpty(), "made for another JDK");
  }

  /** JShell with kept listings: the JDK's classes resolve and run, a missing package is named. */
  @Test
  void jshellCompilesWithKeptListings(@TempDir Path dir) throws Exception {
    var file = dir.resolve("jdk-listings.txt");
    var recording = new java.util.concurrent.atomic.AtomicReference<IndexKeepingFileManager>();
    try (var js =
        JShell.builder()
            .executionEngine("local")
            .fileManager(
                fm -> {
                  var m =
                      new IndexKeepingFileManager(fm, "", JdkListings.load(dir.resolve("none")));
                  recording.set(m);
                  return m;
                })
            .build()) {
      assertEquals(
          Snippet.Status.VALID,
          js.eval("import java.util.*;\nimport java.util.concurrent.*;").getFirst().status());
      recording.get().keepSystemListings(file);
    }
    var kept = JdkListings.load(file);
    assertTrue(!kept.isEmpty());
    try (var js =
        JShell.builder()
            .executionEngine("local")
            .fileManager(fm -> new IndexKeepingFileManager(fm, "", kept))
            .build()) {
      assertEquals(
          Snippet.Status.VALID,
          js.eval("import java.util.*;\nimport java.util.concurrent.*;").getFirst().status());
      assertEquals("3", js.eval("new ArrayList<>(List.of(1, 2, 3)).size()").getFirst().value());
      assertEquals(
          "1",
          js.eval("new ConcurrentHashMap<String, Integer>(Map.of(\"a\", 1)).get(\"a\")")
              .getFirst()
              .value());
      var missing = js.eval("import java.util.nothere.*;").getFirst();
      assertEquals(Snippet.Status.REJECTED, missing.status());
      assertTrue(
          js.diagnostics(missing.snippet())
              .anyMatch(d -> d.getMessage(Locale.ROOT).contains("java.util.nothere")));
      var unknown = js.eval("ArrayLis<String> x = null;").getFirst();
      assertEquals(Snippet.Status.REJECTED, unknown.status());
    }
  }
}
