package dev.quiver.kernel.jshell;

import com.sun.source.util.JavacTask;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.function.UnaryOperator;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;

/**
 * Whether snippets parse as Java, without compiling or running them: javac's parser alone, on each
 * snippet placed where it could stand (in a method's body, as a returned expression, in a class's
 * body, or before a class as an import). JShell's {@code sourceToSnippets} also calls a snippet
 * erroneous when a name in it is not defined yet (a later line's use of an earlier line's
 * variable), so before a cell runs it cannot say this.
 *
 * <p>All of a cell's snippets are parsed by one javac task per placement (a task costs a few
 * milliseconds to set up; a snippet's parse, a fraction of one).
 */
final class JavaSyntax {

  private static final JavaCompiler JAVAC = ToolProvider.getSystemJavaCompiler();

  private static final List<UnaryOperator<String>> PLACES =
      List.of(
          s -> s.startsWith("import ") ? s + "\nclass Q$ {}\n" : null,
          s -> "class Q$ { void m$() throws Throwable {\n" + s + "\n} }\n",
          s ->
              "class Q$ { Object m$() throws Throwable { return (\n"
                  + (s.endsWith(";") ? s.substring(0, s.length() - 1) : s)
                  + "\n); } }\n",
          s -> "class Q$ {\n" + s + "\n}\n");

  private JavaSyntax() {}

  static boolean parses(String snippet) {
    return firstUnparsed(List.of(snippet)) < 0;
  }

  /** The index of the first snippet that does not parse in any placement, or -1. */
  static int firstUnparsed(List<String> snippets) {
    if (JAVAC == null) {
      return -1; // no compiler to ask: JShell will say what is wrong when the piece runs
    }
    var left = new ArrayList<Integer>();
    for (int i = 0; i < snippets.size(); i++) {
      if (!snippets.get(i).isBlank()) {
        left.add(i);
      }
    }
    for (var place : PLACES) {
      if (left.isEmpty()) {
        return -1;
      }
      var units = new ArrayList<JavaFileObject>();
      var unitOf = new ArrayList<Integer>();
      for (int i : left) {
        var unit = place.apply(snippets.get(i).strip());
        if (unit != null) {
          units.add(source(units.size(), unit));
          unitOf.add(i);
        }
      }
      var failed = failing(units);
      var still = new ArrayList<Integer>();
      for (int i : left) {
        int u = unitOf.indexOf(i);
        if (u < 0 || failed.contains(u)) {
          still.add(i);
        }
      }
      left = still;
    }
    return left.isEmpty() ? -1 : left.getFirst();
  }

  private static JavaFileObject source(int n, String text) {
    return new SimpleJavaFileObject(
        URI.create("string:///Q" + n + ".java"), JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignoreEncodingErrors) {
        return text;
      }
    };
  }

  /** The indices of the units with a parse error. */
  private static HashSet<Integer> failing(List<JavaFileObject> units) {
    var failed = new HashSet<Integer>();
    if (units.isEmpty()) {
      return failed;
    }
    var diagnostics = new DiagnosticCollector<JavaFileObject>();
    var task =
        (JavacTask) JAVAC.getTask(null, null, diagnostics, List.of("-proc:none"), null, units);
    try {
      task.parse();
    } catch (java.io.IOException | RuntimeException e) {
      return failed; // cannot tell: let JShell say what is wrong when the piece runs
    }
    for (var d : diagnostics.getDiagnostics()) {
      if (d.getKind() == Diagnostic.Kind.ERROR && d.getSource() != null) {
        failed.add(units.indexOf(d.getSource()));
      }
    }
    return failed;
  }
}
