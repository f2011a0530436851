package dev.quiver.kernel.jshell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import org.junit.jupiter.api.Test;

class DefaultImportsTest {

  private static String value(JShell js, String code) {
    var events = js.eval(code);
    var e = events.getFirst();
    assertEquals(
        Snippet.Status.VALID,
        e.status(),
        () -> code + ": " + js.diagnostics(e.snippet()).map(d -> d.getMessage(null)).toList());
    return e.value();
  }

  @Test
  void oneSnippetImportsEveryLine() {
    try (var js = JShell.builder().executionEngine("local").build()) {
      CellJvm.importDefaults(
          js,
          List.of(
              "import java.util.*;",
              "import java.math.*;",
              "import static java.lang.Math.max;",
              "import java.util.concurrent.atomic.AtomicInteger;"));
      assertEquals(1, js.imports().count());
      assertEquals("3", value(js, "new BigInteger(\"2\").add(BigInteger.ONE)"));
      assertEquals("[1, 2]", value(js, "new ArrayList<>(List.of(1, 2))"));
      assertEquals("5", value(js, "max(5, 4)"));
      assertEquals("1", value(js, "new AtomicInteger(1)"));
      // A user's import of one of the names keeps the others.
      value(js, "import java.util.*;");
      assertEquals("3", value(js, "new BigInteger(\"3\")"));
      assertEquals("[]", value(js, "new ArrayList<String>()"));
    }
  }

  @Test
  void aMissingPackageFallsBackToOneLineAtATime() {
    try (var js = JShell.builder().executionEngine("local").build()) {
      CellJvm.importDefaults(
          js, List.of("import java.math.*;", "import no.such.pkg.*;", "import java.util.*;"));
      assertEquals(2, js.imports().filter(i -> js.status(i).isActive()).count());
      assertEquals("3", value(js, "new BigInteger(\"3\")"));
      assertEquals("[]", value(js, "new ArrayList<String>()"));
    }
  }
}
