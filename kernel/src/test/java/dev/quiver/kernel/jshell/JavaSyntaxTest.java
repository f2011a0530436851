package dev.quiver.kernel.jshell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Each snippet is tried in every place it could stand, all of a cell's in one parse. */
class JavaSyntaxTest {

  @Test
  void everyKindOfSnippetParsesWhereItCanStand() {
    assertTrue(JavaSyntax.parses("int a = 1;")); // a statement
    assertTrue(JavaSyntax.parses("int f(int x) { return x + a; }")); // a member
    assertTrue(JavaSyntax.parses("x + 1")); // an expression
    assertTrue(JavaSyntax.parses("import java.util.*;")); // an import
    assertTrue(JavaSyntax.parses("record P(int x) {}"));
    assertFalse(JavaSyntax.parses("x +* 2"));
    assertFalse(JavaSyntax.parses("import java.util.*"));
  }

  @Test
  void theFirstSnippetThatParsesNowhereIsNamed() {
    var cell =
        List.of(
            "int a = 1;",
            "int f(int x) { return x + a; }",
            "",
            "import java.util.*;",
            "x +* 2",
            "1 + 1",
            "for (;;",
            "f(a)");
    assertEquals(4, JavaSyntax.firstUnparsed(cell));
    assertEquals(-1, JavaSyntax.firstUnparsed(List.of("int a = 1;", "f(a)", "  ")));
    // Again, in the context the first parse left for the next one: nothing of it is left over.
    assertEquals(1, JavaSyntax.firstUnparsed(List.of("1 + 1", "int = ;")));
    assertEquals(-1, JavaSyntax.firstUnparsed(List.of("1 + 1", "int b = 2;")));
  }
}
