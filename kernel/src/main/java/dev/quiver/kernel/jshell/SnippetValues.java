package dev.quiver.kernel.jshell;

import java.util.List;
import jdk.jshell.ExpressionSnippet;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.VarSnippet;

/** The values of the snippets JShell ran for a cell: which to show, and which to forget. */
final class SnippetValues {

  private SnippetValues() {}

  /**
   * Drops the {@code $1}, {@code $2}... variables JShell makes of a cell's expression values, once
   * the cell is done. Why: JShell imports every live variable into every later snippet's
   * compilation, and javac reads each one's class again each time, so a notebook's cells grew
   * slower with each expression cell run before (about 20 ms more per cell after 300 of them); and
   * each kept its value (a tensor, a chart) from the garbage collector for good. The notebook never
   * shows these names: the value is the cell's output, and a variable the user declares is kept as
   * always.
   */
  static void forget(JShell js, List<Snippet> values) {
    for (var v : values) {
      try {
        if (js.status(v).isActive()) {
          js.drop(v);
        }
      } catch (IllegalStateException | IllegalArgumentException ignored) {
        // the shell is closed (the cell JVM ended): nothing left to drop
      }
    }
  }

  static boolean shown(SnippetEvent e) {
    if (e.value() == null || e.status() != Snippet.Status.VALID) {
      return false;
    }
    return switch (e.snippet()) {
      case ExpressionSnippet x -> !x.typeName().equals("void") && !isPrintChaining(x.typeName());
      case VarSnippet v ->
          v.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND
              && !isPrintChaining(v.typeName());
      default -> false;
    };
  }

  /**
   * {@code System.out.printf(...)} returns the stream so calls can chain; as a cell's last line
   * that would show {@code java.io.PrintStream@1a2b}, which nobody wants to see.
   */
  private static boolean isPrintChaining(String typeName) {
    return typeName.equals("PrintStream") || typeName.equals("java.io.PrintStream");
  }
}
