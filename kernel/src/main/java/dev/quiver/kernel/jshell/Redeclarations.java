package dev.quiver.kernel.jshell;

import jdk.jshell.JShell;
import jdk.jshell.MethodSnippet;
import jdk.jshell.Snippet;
import jdk.jshell.VarSnippet;

/**
 * A declaration run again exactly as it stands, the commonest declaration a notebook runs: a cell
 * of declarations run again after an edit elsewhere, or a whole notebook run again.
 *
 * <h2>Why</h2>
 *
 * JShell replaces a declaration that is run again with a new one of its own (a new snippet and
 * class), and recompiles every declaration that uses it: for {@code int a = 1; int f(int x) {
 * return x + a; }} run again, about seven compiler runs over every import and live declaration
 * (redefining {@code a} compiles {@code f} again, then {@code f} is analyzed twice and compiled),
 * 20 ms of a warm kernel's CPU. When the text is the same as the live declaration's, and that one
 * is valid, the result is the same declaration, so:
 *
 * <ul>
 *   <li>a <b>method</b> run again unchanged is left as it is: JShell keeps it up to date with what
 *       it uses (that is what its recompiling of dependents does), so the one in place is what a
 *       new one would be;
 *   <li>a <b>variable</b> run again unchanged, {@code Type name = initializer;}, gets the
 *       initializer's new value, as JShell's new variable would: it runs as the quick cell {@code
 *       name = (initializer);} (see {@link QuickCells}), which JShell's own semantics match in
 *       every case that compiles that way: the initializer sees the variable's value before (as
 *       JShell's {@code int b = b + 1;} does), and an initializer that throws leaves the value
 *       before (as JShell's rejected redefinition does); its exception reads as any cell's.
 * </ul>
 *
 * <p>Everything else goes to JShell as before: a type (class, record, interface, enum: a new one is
 * a new class, and objects made before are of the old one), a declaration whose text differs, one
 * not valid now (waiting for something undefined), a variable with modifiers or annotations,
 * declared with {@code var} (its type is inferred again, and could differ), without an initializer
 * or with several declarators, and any assignment that does not compile as a quick cell (an array
 * initializer). {@code -Dquiver.redeclarations=false} on the kernel JVM sends them all to JShell.
 */
final class Redeclarations {

  private static final boolean ON =
      Boolean.parseBoolean(System.getProperty("quiver.redeclarations", "true"));

  private Redeclarations() {}

  /** What running a declaration again takes. */
  sealed interface Plan {
    /** The live declaration that the piece repeats. */
    Snippet snippet();
  }

  /** A method the same as the live one: nothing to do. */
  record Unchanged(MethodSnippet snippet) implements Plan {}

  /**
   * A variable the same as the live one: run {@code piece}, a quick-cell block that assigns the
   * initializer, on the same lines of the piece as in the declaration.
   */
  record Assign(VarSnippet snippet, String piece) implements Plan {}

  /** The plan for a piece of a cell, or null when JShell must evaluate it. */
  static Plan of(JShell js, String source) {
    if (!ON) {
      return null;
    }
    var text = source.strip();
    if (!text.endsWith(";") && !text.endsWith("}")) {
      return null;
    }
    var live = liveWithSource(js, text);
    return switch (live) {
      case MethodSnippet m when m.subKind() == Snippet.SubKind.METHOD_SUBKIND -> new Unchanged(m);
      case VarSnippet v
          when v.subKind() == Snippet.SubKind.VAR_DECLARATION_WITH_INITIALIZER_SUBKIND -> {
        var parts = JavaSyntax.variable(text);
        if (parts == null || !parts.name().equals(v.name())) {
          yield null;
        }
        var init = text.substring(parts.initStart(), parts.initEnd());
        var lead = text.substring(0, parts.initStart()).chars().filter(c -> c == '\n').count();
        yield new Assign(v, "{" + "\n".repeat((int) lead) + v.name() + " = (" + init + "\n); }");
      }
      case null, default -> null;
    };
  }

  // The valid, active declaration whose text is this one's, or null.
  private static Snippet liveWithSource(JShell js, String text) {
    try {
      return js.snippets()
          .filter(s -> s.kind() == Snippet.Kind.METHOD || s.kind() == Snippet.Kind.VAR)
          .filter(s -> s.source().strip().equals(text))
          .filter(s -> js.status(s) == Snippet.Status.VALID)
          .reduce((a, b) -> b)
          .orElse(null);
    } catch (IllegalStateException | IllegalArgumentException e) {
      return null; // the shell is closed (its cell JVM ended): JShell will say so
    }
  }
}
