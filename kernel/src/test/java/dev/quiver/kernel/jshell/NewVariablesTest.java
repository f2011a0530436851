package dev.quiver.kernel.jshell;

import static dev.quiver.kernel.jshell.QuickCellsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.kernel.jshell.QuickCellsTest.Seen;
import java.util.ArrayList;
import jdk.jshell.Snippet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * New {@code var} variables declared in one compile (NewVariables) against JShell's own pipeline:
 * the same cells in a kernel with quick cells and one without must print, show and fail the same
 * way, the variable must be JShell's (later declarations, redefinitions and JShell's own list see
 * it), and the quick kernel must have taken the path for the cells meant for it.
 */
class NewVariablesTest {

  private static JShellInterpreter quick;
  private static JShellInterpreter plain;

  @BeforeAll
  static void start() {
    quick = QuickCellsTest.started(true);
    plain = QuickCellsTest.started(false);
  }

  @AfterAll
  static void stop() {
    quick.close();
    plain.close();
  }

  // Runs the cell in both kernels and checks they agree and how many variables took the path.
  private static Seen same(String code, int count, int declaredHere) {
    int before = quick.newVariables().count();
    var q = run(quick, code, count);
    var p = run(plain, code, count);
    // JShell's trace of a var's initializer has a frame of its wrapper's helper method, which
    // names nothing of the user's; the path's has none.
    p =
        new Seen(
            p.stdout(),
            p.stderr(),
            p.result(),
            p.error(),
            p.traceback().stream().filter(l -> !l.contains("do_it$Aux")).toList());
    assertEquals(p, q, () -> "the path and JShell's pipeline differ on: " + code);
    assertEquals(
        declaredHere,
        quick.newVariables().count() - before,
        () -> "variables declared in one compile by: " + code);
    return q;
  }

  // The live variable's type as JShell holds it (JShell's own list of variables).
  private static String typeOf(JShellInterpreter kernel, String name) {
    var js = kernel.cellJvm().await();
    return js.variables()
        .filter(v -> v.name().equals(name) && js.status(v) == Snippet.Status.VALID)
        .map(v -> v.typeName())
        .findFirst()
        .orElse(null);
  }

  @Test
  void aNewVarHoldsItsValueAndIsJShellsVariable() {
    same("int noisy(int x) { System.out.println(\"made \" + x); return x; }", 1, 0);
    assertEquals("made 41\n", same("var answer = noisy(41);", 2, 1).stdout());
    same("var words = new ArrayList<String>(List.of(\"a\", \"b\"));\nwords.add(\"c\");", 3, 1);
    assertEquals("[a, b, c]", same("words", 4, 0).result());
    assertEquals("java.util.ArrayList<String>", typeOf(quick, "words"));
    assertEquals("int", typeOf(quick, "answer"));
    // JShell's own declarations compile against it: it is typed, not an Object.
    same("int plusOne() { return answer + 1; }", 5, 0);
    assertEquals("42", same("plusOne()", 6, 0).result());
    same("var grid = new int[][] {{1, 2}, {3, 4}};\nvar first = words.get(0);", 7, 2);
    assertEquals("4a", same("grid[1][1] + first", 8, 0).result());
    same("var entry = Map.of(1, \"x\").entrySet().iterator().next();", 9, 1);
    assertEquals("java.util.Map.Entry<Integer, String>", typeOf(quick, "entry"));
    // Declared again: JShell's way, and what used it sees the new one.
    same("var answer = noisy(9);", 10, 0);
    assertEquals("10", same("plusOne()", 11, 0).result());
    // With comments, and without ";" as at the jshell prompt (the README's cells).
    same("// the data\nvar rows = noisy(3);    // three rows", 13, 1);
    same("var cols = noisy(2) // two\nrows * cols", 14, 1);
    assertEquals("6", same("rows * cols", 15, 0).result());
    // A declared type is JShell's too.
    same("List<String> typed = List.of(\"t\");", 12, 0);
  }

  @Test
  void anInitializerThatThrowsLeavesTheDefaultAsJShellDoes() {
    var e = same("var parsed = Integer.parseInt(\"4\") +\n  Integer.parseInt(\"x\");", 1, 0);
    assertEquals("java.lang.NumberFormatException: For input string: \"x\"", e.error());
    assertTrue(
        e.traceback().stream().anyMatch(l -> l.equals("\tat cell [1], line 2")),
        e.traceback()::toString);
    assertEquals("0", same("parsed", 2, 0).result());
    same("var missing = List.of(1).get(5);", 3, 0);
    assertEquals("null", same("String.valueOf(missing)", 4, 0).result());
  }

  @Test
  void whatJShellMustDeclareItselfGoesThere() {
    // An anonymous class, a type of the cells' own, an intersection, a compile error.
    same("var task = new Runnable() { public void run() { } };", 1, 0);
    assertEquals("true", same("task instanceof Runnable", 2, 0).result());
    same("record Pair(int a, int b) { }", 3, 0);
    same("var pair = new Pair(1, 2);", 4, 0);
    assertEquals("3", same("pair.a() + pair.b()", 5, 0).result());
    same("var mixed = List.of(1, \"s\");", 6, 0);
    var error = same("var bad = notDefinedAnywhere(1);", 7, 0);
    assertTrue(error.error().startsWith("CompilationError"), error::toString);
    assertTrue(
        error.traceback().stream().anyMatch(l -> l.contains("cell [7] line 1")),
        error.traceback()::toString);
    assertNull(typeOf(quick, "bad"));
  }

  @Test
  void anInterruptedInitializerStopsTheCellAndDeclaresTheVariable() throws Exception {
    var seen = new ArrayList<Seen>();
    var t =
        Thread.ofPlatform()
            .start(
                () ->
                    seen.add(
                        run(
                            quick,
                            "var endless = java.util.stream.Stream.iterate(1, i -> i + 1)"
                                + ".filter(i -> i < 0).findFirst();\nvar after = 1;",
                            1)));
    Thread.sleep(700);
    quick.interrupt();
    t.join(10_000);
    assertFalse(t.isAlive(), "the interrupted cell did not end");
    assertEquals("Interrupted", seen.getFirst().error().split(":")[0]);
    assertEquals("true", run(quick, "endless == null", 2).result());
    assertTrue(run(quick, "after", 3).error() != null, "the cell went on after the interrupt");
  }

  @Test
  void theRulesForWhatCanBeWritten() {
    assertNull(JavaSyntax.declared("var a = 1, b = 2;"));
    assertNull(JavaSyntax.declared("final var a = 1;"));
    assertEquals("a", JavaSyntax.declared("var a = f(1);").name());
    assertNull(JavaSyntax.declared("var a = f(1);").type());
    assertEquals("List<String>", JavaSyntax.declared("List<String> a = List.of();").type());
    assertNull(JavaSyntax.declared("int[] a = {1, 2};"));
    assertNull(JavaSyntax.declared("void f() { }"));
    assertEquals("b", JavaSyntax.declared("// made here\n/* c */ var b = f(1);  // why").name());
    assertNull(JavaSyntax.declared("var b = f(1)  // no semicolon"));
    assertEquals("b", JavaSyntax.declared("var b = f(1)  // no semicolon\n;").name());
  }
}
