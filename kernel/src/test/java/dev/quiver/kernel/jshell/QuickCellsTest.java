package dev.quiver.kernel.jshell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.display.MimeBundle;
import dev.quiver.kernel.Interpreter;
import dev.quiver.kernel.Interpreter.Outcome;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Quick cells (QuickCells) against JShell's own pipeline: the same cells in two kernels' cell JVMs,
 * one with quick cells and one without, must print, show and fail the same way, and the quick one
 * must really have taken the quick path for the cells meant for it.
 */
class QuickCellsTest {

  private static JShellInterpreter quick;
  private static JShellInterpreter plain;

  @BeforeAll
  static void start() {
    quick = started(true);
    plain = started(false);
  }

  static JShellInterpreter started(boolean quickCells) {
    var previous = System.getProperty("quiver.quickCells");
    System.setProperty("quiver.quickCells", Boolean.toString(quickCells));
    try {
      var cp = System.getProperty("java.class.path");
      var interpreter =
          new JShellInterpreter(
              new JShellInterpreter.Config(
                  cp,
                  List.of("-Xshare:auto"),
                  List.of("import java.util.*;", "import java.util.function.*;")));
      interpreter.awaitReady();
      return interpreter;
    } finally {
      if (previous == null) {
        System.clearProperty("quiver.quickCells");
      } else {
        System.setProperty("quiver.quickCells", previous);
      }
    }
  }

  @AfterAll
  static void stop() {
    quick.close();
    plain.close();
  }

  /** What a cell did, as a frontend sees it. */
  record Seen(String stdout, String stderr, String result, String error, List<String> traceback) {}

  static Seen run(JShellInterpreter interpreter, String code, int count) {
    var out = new StringBuilder();
    var err = new StringBuilder();
    var outcome =
        interpreter.execute(
            code,
            count,
            new Interpreter.Output() {
              @Override
              public void stream(String name, String text) {
                (name.equals("stdout") ? out : err).append(text);
              }

              @Override
              public void display(MimeBundle bundle, String id, boolean update) {
                out.append("[display ").append(bundle.text()).append("]");
              }

              @Override
              public void clear(boolean wait) {}

              @Override
              public String input(String prompt, boolean password) {
                return null;
              }
            });
    return switch (outcome) {
      case Outcome.Ok ok ->
          new Seen(
              out.toString(),
              err.toString(),
              ok.result() == null ? null : ok.result().text(),
              null,
              List.of());
      case Outcome.Error e ->
          new Seen(
              out.toString(), err.toString(), null, e.ename() + ": " + e.evalue(), e.traceback());
    };
  }

  // Runs the cell in both kernels, by whichever path; returns what the quick one did, after
  // checking
  // it matches.
  private static Seen alike(String code) {
    var q = run(quick, code, 7);
    var p = run(plain, code, 7);
    assertEquals(p, q, () -> "quick and JShell's pipeline differ on: " + code);
    return q;
  }

  // Runs the cell in both kernels; returns what the quick one did, after checking it matches.
  private static Seen same(String code, boolean meantForQuickPath) {
    int before = quick.quickPiecesRun();
    var q = run(quick, code, 7);
    var p = run(plain, code, 7);
    assertEquals(p, q, () -> "quick and JShell's pipeline differ on: " + code);
    assertEquals(
        meantForQuickPath,
        quick.quickPiecesRun() > before,
        () ->
            code
                + (meantForQuickPath ? " should have taken" : " should not have taken")
                + " the quick path");
    return q;
  }

  /** A cell behaves like its lines typed at the jshell prompt: a line without ";" ends there. */
  @Test
  void linesWithoutSemicolonsRunInOrderLikeTheJshellPrompt() {
    assertEquals("3", alike("int a = 1\nint b = a + 1\na + b").result());
    var printed =
        alike("System.out.println(\"first\")   // a comment\nSystem.out.println(\"second\")");
    assertEquals("first\nsecond\n", printed.stdout());
    assertNull(printed.error());
    // A line that starts with "." (or an operator) continues the one before it.
    var chained =
        alike(
            "var sb = new StringBuilder()\n  .append(\"x\")\n\n  // more\n  .append(\"y\")\nsb.toString()");
    assertEquals("xy", chained.result());
    assertEquals("7", alike("int total = 3\n    + 4\ntotal").result());
    // A value in the middle of the cell shows there, as at the prompt; the last is the result.
    var both = alike("int c = 5\nc * 2\nc + 1;\nc * 3");
    assertEquals("[display 10]", both.stdout());
    assertEquals("15", both.result());
  }

  /** A cell with a line that is not Java fails before any of its lines run. */
  @Test
  void aSyntaxErrorStopsTheCellBeforeAnythingRuns() {
    var seen =
        alike("System.out.println(\"ran\");\nint bad = 1 +* 2;\nSystem.out.println(\"after\");");
    assertEquals("", seen.stdout(), "nothing ran");
    assertNotNull(seen.error());
    assertTrue(
        String.join("\n", seen.traceback()).contains("int bad = 1 +* 2;"),
        () -> "the error shows the line: " + seen.traceback());
  }

  @Test
  void expressionsShowTheirValue() {
    assertEquals("2", same("1 + 1", true).result());
    assertEquals("hello", same("\"hel\" + \"lo\"", true).result());
    assertEquals("x", same("'x'", true).result());
    assertEquals("[1, 2, 3]", same("List.of(1, 2, 3)", true).result());
    assertEquals("2.5", same("5 / 2.0;", true).result());
    assertEquals("[1, 2]", same("new int[] {1, 2}", true).result());
    assertEquals("null", same("(Object) null", true).result());
    assertEquals("3", same("Math.max(2, 3) // the larger\n", true).result());
  }

  @Test
  void voidCallsAndStatementsShowNothingButPrint() {
    var println = same("System.out.println(\"hi\")", true);
    assertEquals("hi\n", println.stdout());
    assertNull(println.result());
    assertNull(same("System.out.printf(\"%d%n\", 3);", true).result());
    var loop = same("for (int i = 0; i < 3; i++) { System.out.print(i); }", true);
    assertEquals("012", loop.stdout());
    assertNull(loop.result());
    assertEquals(
        "yes",
        same("if (1 < 2) { System.out.print(\"yes\"); } else { System.out.print(\"no\"); }", true)
            .stdout());
    assertEquals("in block", same("{ var s = \"in block\"; System.out.print(s); }", true).stdout());
    assertEquals(
        "caught",
        same(
                "try { throw new IllegalStateException(); } catch (IllegalStateException e) { System.out.print(\"caught\"); }",
                true)
            .stdout());
  }

  @Test
  void declarationsStillGoThroughJShellAndQuickCellsSeeThem() {
    same("int counter = 40;", false);
    same("int twice(int x) { return 2 * x; }", false);
    same("record Point(int x, int y) { }", false);
    same("import java.util.concurrent.atomic.AtomicInteger;", false);
    assertEquals("41", same("counter + 1", true).result());
    same("counter++", true);
    assertEquals("41", same("counter", true).result());
    assertEquals("82", same("twice(counter)", true).result());
    assertEquals("Point[x=1, y=2]", same("new Point(1, 2)", true).result());
    assertEquals("5", same("new AtomicInteger(5)", true).result());
    // A redefinition is seen by the next quick cell.
    same("int twice(int x) { return 20 * x; }", false);
    assertEquals("820", same("twice(counter)", true).result());
    same("String counter = \"now a string\";", false);
    assertEquals("NOW A STRING", same("counter.toUpperCase()", true).result());
  }

  @Test
  void runningTheSameCellAgainRunsItAgainWithoutACompile() {
    same("int runs = 0;", false);
    same("int scaled(int x) { return 2 * x; }", false);
    assertEquals("0", same("runs++", true).result());
    int compiled = quick.quickCells().compiledCount();
    assertEquals("1", same("runs++", true).result());
    assertEquals("2", same("runs++", true).result());
    assertEquals(
        compiled,
        quick.quickCells().compiledCount(),
        "the same cell again should not be compiled again");
    assertEquals("8", same("scaled(runs + 1)", true).result());
    // A new body for the method it calls: the cell sees it.
    same("int scaled(int x) { return 100 * x; }", false);
    assertEquals("300", same("scaled(runs)", true).result());
    assertEquals("300", same("scaled(runs)", true).result());
    // A declaration it uses, changed in type: compiled again against the new one.
    same("String runs = \"ab\";", false);
    assertEquals("2", same("runs.length()", true).result());
    same("long runs = 5;", false);
    var e = same("runs.length()", false);
    assertNotNull(e.error(), "long has no length(): JShell reports it");
  }

  // Runs the cell in both kernels; returns what the quick one did, after checking it matches and
  // that `again` of its declarations skipped JShell's pipeline.
  private static Seen again(String code, int again) {
    int before = quick.redeclarationsRun();
    var seen = alike(code);
    assertEquals(
        again,
        quick.redeclarationsRun() - before,
        () -> code + ": declarations run again without JShell's pipeline");
    return seen;
  }

  @Test
  void aDeclarationRunAgainUnchangedIsTheSameDeclaration() {
    var cell = "int base = 1; int plusBase(int x) { return x + base; }";
    again(cell, 0);
    again("base = 5;", 0);
    assertEquals("5", alike("base").result());
    again(cell, 2); // base is 1 again, plusBase kept
    assertEquals("11", alike("plusBase(10)").result());
    // Its initializer sees the value before, as JShell's does; a throwing one keeps it.
    again("int bumped = 3;", 0);
    again("int bumped = bumped + 1;", 1); // another initializer for the same variable
    again("int bumped = bumped + 1;", 1);
    assertEquals("5", alike("bumped").result());
    again(
        "int failing(int x) { if (x > 0) throw new IllegalStateException(\"no \" + x); return x; }",
        0);
    again("int held = failing(0);", 0);
    again("held = 9;", 0);
    var thrown = again("int held =\n    failing(4);", 1);
    assertEquals("java.lang.IllegalStateException: no 4", thrown.error());
    thrown = again("int held =\n    failing(4);", 1);
    assertTrue(
        thrown.traceback().stream().anyMatch(l -> l.contains("cell [7], line 2")),
        thrown.traceback()::toString);
    assertEquals("9", alike("held").result());
    // Another initializer, the same type and name: the same variable, a new value; another type
    // is a new variable (JShell's), and the method using it is recompiled by JShell.
    again("double rate = 0.5; double scaledRate(int x) { return x * rate; }", 0);
    again("double  rate =\n  0.25;", 1);
    assertEquals("0.5", alike("scaledRate(2)").result());
    again("float rate = 0.125f;", 0);
    assertEquals("0.25", alike("scaledRate(2)").result());
    again("float rate = 0.375f;", 1);
    assertEquals("0.75", alike("scaledRate(2)").result());
    // What it uses, redefined: the method in place is JShell's recompiled one.
    again("int scale = 2; int scaled(int x) { return scale * x; }", 0);
    again("long scale = 3;", 0);
    again("int scaled(int x) { return scale * x; }", 0); // long * int does not fit int: not valid
    again("int scaled(int x) { return (int) (scale * x); }", 0);
    again("int scaled(int x) { return (int) (scale * x); }", 1);
    assertEquals("21", alike("scaled(7)").result());
    // Not run again this way: a type, `var`, modifiers, several variables, an array initializer.
    again("record Pair(int a, int b) { }", 0);
    again("record Pair(int a, int b) { }", 0);
    again("var inferred = 1.5;", 0);
    again("var inferred = 1.5;", 0);
    again("final int fixed = 1;", 0);
    again("final int fixed = 1;", 0);
    again("int[] squares = {1, 4, 9};", 0);
    again("int[] squares = {1, 4, 9};", 0);
    assertEquals("[1, 4, 9]", alike("Arrays.toString(squares)").result());
    again("List<String> names2 = new ArrayList<>(List.of(\"a\"));", 0);
    again("names2.add(\"b\");", 0);
    again("List<String> names2 = new ArrayList<>(List.of(\"a\"));", 1);
    assertEquals("[a]", alike("names2").result());
  }

  /** A variable given a literal takes the value javac would give it, or compiles. */
  @Test
  void literalsAreReadAsJavacReadsThem() {
    assertEquals(1000, Redeclarations.literal("int", "1_000"));
    assertEquals(-2147483648, Redeclarations.literal("int", "-2147483648"));
    assertNull(Redeclarations.literal("int", "3000000000")); // too large: javac says so
    assertNull(Redeclarations.literal("int", "010")); // octal
    assertNull(Redeclarations.literal("int", "0x10"));
    assertEquals(3000000000L, Redeclarations.literal("long", "3000000000L"));
    assertEquals(5L, Redeclarations.literal("long", "5"));
    assertEquals(0.001, Redeclarations.literal("double", "1e-3"));
    assertEquals(5.0, Redeclarations.literal("double", "5"));
    assertEquals(0.5, Redeclarations.literal("double", "0.5d"));
    assertNull(Redeclarations.literal("double", "0123")); // octal int 83
    assertNull(Redeclarations.literal("double", "3000000000")); // an int literal too large
    assertNull(Redeclarations.literal("double", "0.1f")); // a float's value widened: compiles
    assertEquals(0.1f, Redeclarations.literal("float", "0.1f"));
    assertEquals(3f, Redeclarations.literal("float", "3"));
    assertNull(Redeclarations.literal("float", "0.1")); // a double: javac rejects it
    assertEquals(true, Redeclarations.literal("boolean", "true"));
    assertNull(Redeclarations.literal("String", "\"s\""));
    assertNull(Redeclarations.literal("int", "1 + 1"));
    var before = quick.redeclarationsRun();
    alike("double lr = 0.01; long steps = 10; boolean on = true;");
    alike("double lr = 1e-3; long steps = 3000000000L; boolean on = false;");
    assertEquals(before + 3, quick.redeclarationsRun());
    assertEquals("0.001 3000000000 false", alike("lr + \" \" + steps + \" \" + on").result());
    assertNotNull(alike("int small = 1;\nint small = 3000000000;").error());
  }

  /** A trace through a method run again names the cell that ran it last, as JShell's would. */
  @Test
  void aMethodRunAgainBelongsToItsNewCell() {
    var method = "int tenOver(int x) { return 10 / x; }";
    for (var kernel : List.of(quick, plain)) {
      run(kernel, method, 3);
      run(kernel, method, 4);
    }
    var q = run(quick, "tenOver(0)", 5);
    assertEquals(run(plain, "tenOver(0)", 5), q);
    assertTrue(
        q.traceback().stream().anyMatch(l -> l.contains("tenOver (cell [4], line 1)")),
        q.traceback()::toString);
  }

  // Runs the cell in both kernels as cell number count; returns what the quick one did, after
  // checking it matches and that `edits` methods were compiled without JShell's pipeline.
  private static Seen edited(String code, int count, int edits) {
    int before = quick.methodEdits().compiledCount();
    var q = run(quick, code, count);
    assertEquals(
        run(plain, code, count), q, () -> "quick and JShell's pipeline differ on: " + code);
    assertEquals(
        edits,
        quick.methodEdits().compiledCount() - before,
        () -> code + ": methods compiled without JShell's pipeline");
    return q;
  }

  /**
   * A method given a new body is redefined in one compile: callers and later cells see the new
   * body, variables keep their values, traces name the cell and line of the new body, and what
   * JShell recompiles later (the method as a dependent of a changed variable) is the latest body.
   */
  @Test
  void anEditedMethodIsRedefinedInOneCompile() {
    edited("int offset = 1; int shifted(int x) { return x + offset; }", 1, 0);
    edited("int twice(int x) { return 2 * shifted(x); }", 2, 0);
    edited("int shifted(int x) { return x + offset + 100; }", 3, 1);
    assertEquals("204", edited("twice(1)", 4, 0).result());
    edited("offset = 5;", 5, 0);
    edited("int shifted(int x) {\n  return x + offset + 1000;\n}", 6, 1);
    assertEquals("1006", edited("shifted(1)", 7, 0).result());
    assertEquals("2012", edited("int doubled = twice(1);\ndoubled", 8, 0).result());
    edited("int shifted(int x) {\n  int y = x + offset;\n  return y / (x - x);\n}", 9, 1);
    var thrown = edited("twice(3)", 10, 0);
    assertEquals("java.lang.ArithmeticException: / by zero", thrown.error());
    assertTrue(
        thrown.traceback().stream().anyMatch(l -> l.contains("shifted (cell [9], line 3)")),
        thrown.traceback()::toString);
    // The variable it uses, of another type: JShell recompiles the method as it is now.
    edited("int shifted(int x) { return x * offset; }", 11, 1);
    edited("long offset = 3;", 12, 0);
    edited("int shifted(int x) { return (int) (x * offset); }", 13, 0); // JShell's: not valid
    assertEquals("21", edited("shifted(7)", 14, 0).result());
    edited("int shifted(int x) { return (int) (x * offset) + 1; }", 15, 1);
    // Another signature goes to JShell, which says what happens to the callers.
    edited("long shifted(int x) { return x + 10_000_000_000L; }", 16, 0);
    assertNotNull(edited("twice(1)", 17, 0).error());
    assertEquals("10000000001", edited("shifted(1)", 18, 0).result());
    // A body that calls the method itself, one with a lambda (a new method in the class: JShell
    // replaces the class), one that uses a name not defined yet (JShell's, to run once it is).
    edited("int fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }", 19, 0);
    edited("int fact(int n) { return n <= 1 ? 1 : n + fact(n - 1); }", 20, 1);
    assertEquals("15", edited("fact(5)", 21, 0).result());
    edited("int fact(int n) { IntUnaryOperator f = k -> k * 2; return f.applyAsInt(n); }", 22, 0);
    assertEquals("10", edited("fact(5)", 23, 0).result());
    edited("int fact(int n) { return n + notYetDefined; }", 24, 0);
    assertNotNull(edited("fact(5)", 25, 0).error());
  }

  /**
   * The import lines an edited method compiles with: the names its text mentions, static on-demand
   * imports, and the on-demand imports of types only when the text names something that can be a
   * class; the same number of lines, so positions keep their line numbers.
   */
  @Test
  void anEditedMethodCompilesWithTheImportsItsTextCanUse() {
    var header =
        String.join(
            "\n",
            "package REPL;",
            "import java.util.*;",
            "import static dev.quiver.display.Display.*;",
            "import static REPL.$JShell$3.a;",
            "import static REPL.$JShell$4.unused;",
            "import REPL.$JShell$5.Point;");
    assertEquals(
        String.join(
            "\n",
            "package REPL;",
            "",
            "import static dev.quiver.display.Display.*;",
            "import static REPL.$JShell$3.a;",
            "",
            ""),
        MethodEdits.namedIn(header, "int f(int x) { return x + a + 2; }"));
    assertEquals(
        String.join(
            "\n",
            "package REPL;",
            "import java.util.*;",
            "import static dev.quiver.display.Display.*;",
            "",
            "",
            "import REPL.$JShell$5.Point;"),
        MethodEdits.namedIn(header, "Point f(List<Point> ps) { return ps.get(0); }"));
    // In a kernel: a body of lower-case names only, compiled without the on-demand imports.
    edited("int lower(int x) { return x; }", 1, 0);
    edited("int lower(int x) { return x * 3 + 1; }", 2, 1);
    assertEquals("22", edited("lower(7)", 3, 0).result());
    edited("int lower(int x) { return List.of(x, x).size() + x; }", 4, 1);
    assertEquals("9", edited("lower(7)", 5, 0).result());
  }

  /**
   * An edited method with a compile error keeps its previous body in the quick kernel (JShell drops
   * the method): the error reads the same.
   */
  @Test
  void anEditedMethodThatDoesNotCompileKeepsItsBody() {
    for (var kernel : List.of(quick, plain)) {
      run(kernel, "int kept(int x) { return x + 1; }", 1);
      run(kernel, "int kept(int x) { return x + 2; }", 2);
    }
    var q = run(quick, "int kept(int x) {\n  return x + \"s\";\n}", 3);
    var p = run(plain, "int kept(int x) {\n  return x + \"s\";\n}", 3);
    assertEquals(p, q);
    assertTrue(
        q.traceback().stream().anyMatch(l -> l.contains("cell [3] line 2, column 10")),
        q.traceback()::toString);
    assertEquals("3", run(quick, "kept(1)", 4).result());
    assertNotNull(run(plain, "kept(1)", 4).error());
  }

  @Test
  void compileErrorsAreJShellsOwn() {
    var e = same("1 + undefinedName", false);
    assertNotNull(e.error());
    assertTrue(
        e.traceback().stream().anyMatch(l -> l.contains("cell [7] line 1")),
        e.traceback()::toString);
    assertNotNull(same("System.out.println(1", false).error());
    assertNotNull(same("\"unterminated", false).error());
  }

  @Test
  void exceptionsNameTheCellAndLine() {
    same("int boom(int x) { return 10 / x; }", false);
    var e = same("System.out.println(\"before\");\nboom(0)", true);
    assertEquals("before\n", e.stdout());
    assertEquals("java.lang.ArithmeticException: / by zero", e.error());
    assertTrue(
        e.traceback().stream().anyMatch(l -> l.contains("boom (cell [7], line 1)")),
        e.traceback()::toString);
    assertTrue(
        e.traceback().stream().anyMatch(l -> l.equals("\tat cell [7], line 2")),
        e.traceback()::toString);
    assertFalse(
        e.traceback().stream()
            .anyMatch(l -> l.contains("CellCall") || l.contains("Agent") || l.contains("$Quiver$")),
        e.traceback()::toString);
    var thrown = same("if (true) {\n  throw new IllegalArgumentException(\"bad \" + 42);\n}", true);
    assertEquals("java.lang.IllegalArgumentException: bad 42", thrown.error());
  }

  @Test
  void aCallToSomethingNotYetDefinedSaysWhat() {
    same("int later(int x) { return notYetDefined(x) + 1; }", false);
    var e = same("later(1)", true);
    assertEquals(Thrown.UNRESOLVED, e.error().split(":")[0], e::toString);
    assertTrue(e.error().contains("notYetDefined"), e::toString);
    same("int notYetDefined(int x) { return 10 * x; }", false);
    assertEquals("11", same("later(1)", true).result());
  }

  @Test
  void displayWorksFromAQuickCell() {
    var shown = same("dev.quiver.display.Display.show(\"<b>hi</b>\")", true);
    assertTrue(shown.stdout().contains("[display"), shown::toString);
  }

  @Test
  void aCellMixesBothPathsAndShowsTheLastValue() {
    var e =
        same(
            "var names = new ArrayList<String>();\nnames.add(\"a\");\nnames.add(\"b\");\nnames",
            true);
    assertEquals("[a, b]", e.result());
    var declarationLast = same("names.size();\nint size = names.size();", true);
    assertNull(declarationLast.result());
    assertEquals("2", same("size", true).result());
  }

  @Test
  void interruptStopsAQuickCellAndKeepsVariables() throws Exception {
    run(quick, "long kept = 7;", 1);
    var seen = new ArrayList<Seen>();
    var t = Thread.ofPlatform().start(() -> seen.add(run(quick, "while (true) { }", 2)));
    Thread.sleep(500);
    quick.interrupt();
    t.join(5000);
    assertFalse(t.isAlive(), "the interrupted cell did not end");
    assertEquals("Interrupted", seen.getFirst().error().split(":")[0]);
    assertEquals("7", run(quick, "kept", 3).result());
  }

  @Test
  void theRulesForWhatTakesTheQuickPath() {
    assertNotNull(QuickCellBodies.body("1 + 1;"));
    assertNotNull(QuickCellBodies.body("for (;;) { }"));
    assertNull(QuickCellBodies.body("int x = 1;"));
    assertNull(QuickCellBodies.body("String s = \"a\";"));
    assertNull(QuickCellBodies.body("Map<String, List<Integer>> m = new HashMap<>();"));
    assertNull(QuickCellBodies.body("double[] xs;"));
    assertNull(QuickCellBodies.body("String f(int x) { return \"\" + x; }"));
    assertNotNull(QuickCellBodies.body("a < b"));
    assertNotNull(QuickCellBodies.body("x = 5"));
    assertNotNull(QuickCellBodies.body("System.out.println(x)"));
    assertNull(QuickCellBodies.body("return 5;"));
    assertNull(QuickCellBodies.body("@Deprecated void f() { }"));
    assertNull(QuickCellBodies.body("<T> T id(T t) { return t; }"));
    assertTrue(QuickCellBodies.balanced("f(\")\", ']', \"\"\"\n)\n\"\"\") // )"));
    assertFalse(QuickCellBodies.balanced("f(1)); } static { g("));
    assertFalse(QuickCellBodies.balanced("/* open"));
    assertInstanceOf(QuickCellBodies.Body.class, QuickCellBodies.body("x.y()"));
  }
}
