package dev.quiver.kernel.jshell;

import jdk.jshell.JShell;
import jdk.jshell.MethodSnippet;
import jdk.jshell.Snippet;
import jdk.jshell.VarSnippet;

/**
 * A declaration run again, the commonest declaration a notebook runs: a cell of declarations run
 * again after an edit elsewhere, a whole notebook run again, or a variable given another value.
 *
 * <h2>Why</h2>
 *
 * JShell replaces a declaration that is run again with a new one of its own (a new snippet and
 * class), and recompiles every declaration that uses it: for {@code int a = 1; int f(int x) {
 * return x + a; }} run again, about seven compiler runs over every import and live declaration
 * (redefining {@code a} compiles {@code f} again, then {@code f} is analyzed twice and compiled),
 * 20 ms of a warm kernel's CPU. Where the result is the declaration already in place:
 *
 * <ul>
 *   <li>a <b>method</b> whose text is that of the live, valid one is left as it is: JShell keeps it
 *       up to date with what it uses (that is what its recompiling of dependents does), so the one
 *       in place is what a new one would be;
 *   <li>a <b>variable</b> {@code Type name = initializer;} whose {@code Type name} is that of the
 *       live, valid one (the same text, whatever the initializer) gets the initializer's new value,
 *       as JShell's new variable of the same type would: it runs as the quick cell {@code name =
 *       (initializer);} (see {@link QuickCells}), which JShell's own semantics match in every case
 *       that compiles that way: the initializer sees the variable's value before (as JShell's
 *       {@code int b = b + 1;} does), and an initializer that throws leaves the value before (as
 *       JShell's rejected redefinition does); its exception reads as any cell's.
 * </ul>
 *
 * <p>Everything else goes to JShell as before: a type (class, record, interface, enum: a new one is
 * a new class, and objects made before are of the old one), a method whose text differs, a variable
 * of another type (or the same type written differently), a declaration not valid now (waiting for
 * something undefined), a variable with modifiers or annotations, declared with {@code var} (its
 * type is inferred again, and could differ), without an initializer or with several declarators,
 * and any assignment that does not compile as a quick cell (an array initializer). {@code
 * -Dquiver.redeclarations=false} on the kernel JVM sends them all to JShell.
 */
final class Redeclarations {

  private static final boolean ON =
      Boolean.parseBoolean(System.getProperty("quiver.redeclarations", "true"));

  private Redeclarations() {}

  /** What running a declaration again takes. */
  sealed interface Plan {
    /** The live declaration that the piece declares again. */
    Snippet snippet();
  }

  /** A method the same as the live one: nothing to do. */
  record Unchanged(MethodSnippet snippet) implements Plan {}

  /**
   * A variable of the live one's type and name: run {@code piece}, a quick-cell block that assigns
   * the initializer, on the same lines of the piece as in the declaration; or, where the
   * initializer is a literal of a primitive type ({@code literal}: its value, boxed; else null),
   * set the variable to that value.
   */
  record Assign(VarSnippet snippet, String piece, Object literal) implements Plan {}

  /** The plan for a piece of a cell, or null when JShell must evaluate it. */
  static Plan of(JShell js, String source) {
    if (!ON) {
      return null;
    }
    var text = source.strip();
    if (!text.endsWith(";") && !text.endsWith("}") || QuickCellBodies.body(text) != null) {
      return null; // not a declaration: a quick cell, or JShell's
    }
    if (liveWithSource(js, text) instanceof MethodSnippet m
        && m.subKind() == Snippet.SubKind.METHOD_SUBKIND) {
      return new Unchanged(m);
    }
    var parts = JavaSyntax.variable(text);
    if (parts == null) {
      return null;
    }
    var head = head(text, parts);
    var live = liveVariable(js, parts.name());
    if (live == null) {
      return null;
    }
    var liveText = live.source().strip();
    var liveParts = liveText.equals(text) ? parts : JavaSyntax.variable(liveText);
    if (liveParts == null || !head(liveText, liveParts).equals(head)) {
      return null; // another type (or modifiers): a new variable, JShell's
    }
    var init = text.substring(parts.initStart(), parts.initEnd());
    var lead = text.substring(0, parts.initStart()).chars().filter(c -> c == '\n').count();
    return new Assign(
        live,
        "{" + "\n".repeat((int) lead) + live.name() + " = (" + init + "\n); }",
        literal(live.typeName(), init.strip()));
  }

  private static final java.util.regex.Pattern INT =
      java.util.regex.Pattern.compile("-?(0|[1-9](_*[0-9])*)");
  private static final java.util.regex.Pattern DECIMAL =
      java.util.regex.Pattern.compile(
          "-?(([0-9](_*[0-9])*)?\\.[0-9](_*[0-9])*([eE][+-]?[0-9]+)?|[0-9](_*[0-9])*[eE][+-]?[0-9]+)");

  /**
   * The value of {@code init} for a variable of primitive {@code type}, when it is a decimal
   * literal Java gives that type as is ({@code 3} for an int, long, float or double; {@code 3L} for
   * a long, {@code 0.5} for a double, {@code 0.5f} for a float; {@code true}): boxed, or null.
   * Anything else (hex, octal, a cast, an expression, a value out of range) is null, and compiles.
   */
  static Object literal(String type, String init) {
    var digits = init.replace("_", "");
    try {
      return switch (type) {
        case "boolean" ->
            init.equals("true") ? Boolean.TRUE : init.equals("false") ? Boolean.FALSE : null;
        case "int" ->
            INT.matcher(init).matches() ? Integer.valueOf(Integer.parseInt(digits)) : null;
        case "long" -> {
          var number =
              init.endsWith("L") || init.endsWith("l")
                  ? init.substring(0, init.length() - 1)
                  : init;
          yield INT.matcher(number).matches()
              ? Long.valueOf(Long.parseLong(number.replace("_", "")))
              : null;
        }
        case "double" -> {
          var number =
              init.endsWith("d") || init.endsWith("D")
                  ? init.substring(0, init.length() - 1)
                  : init;
          if (INT.matcher(number).matches() && number.equals(init)) {
            yield Double.valueOf(Integer.parseInt(digits));
          }
          yield DECIMAL.matcher(number).matches()
              ? Double.valueOf(Double.parseDouble(number.replace("_", "")))
              : null;
        }
        case "float" -> {
          if (INT.matcher(init).matches()) {
            yield Float.valueOf(Integer.parseInt(digits));
          }
          var number =
              init.endsWith("f") || init.endsWith("F")
                  ? init.substring(0, init.length() - 1)
                  : null;
          yield number != null && DECIMAL.matcher(number).matches()
              ? Float.valueOf(Float.parseFloat(number.replace("_", "")))
              : null;
        }
        default -> null;
      };
    } catch (NumberFormatException e) {
      return null; // out of range: javac says so
    }
  }

  // "Type name =", whitespace runs as one space: what declares the variable, without its value.
  private static String head(String text, JavaSyntax.Variable parts) {
    return text.substring(0, parts.initStart()).strip().replaceAll("\\s+", " ");
  }

  // The valid, active variable of this name declared with an initializer, or null.
  private static VarSnippet liveVariable(JShell js, String name) {
    try {
      return js.variables()
          .filter(v -> v.name().equals(name))
          .filter(v -> v.subKind() == Snippet.SubKind.VAR_DECLARATION_WITH_INITIALIZER_SUBKIND)
          .filter(v -> js.status(v) == Snippet.Status.VALID)
          .reduce((a, b) -> b)
          .orElse(null);
    } catch (IllegalStateException | IllegalArgumentException e) {
      return null;
    }
  }

  // The valid, active declaration whose text is this one's, or null.
  private static Snippet liveWithSource(JShell js, String text) {
    try {
      return js.snippets()
          .filter(s -> s.kind() == Snippet.Kind.METHOD)
          .filter(s -> s.source().strip().equals(text))
          .filter(s -> js.status(s) == Snippet.Status.VALID)
          .reduce((a, b) -> b)
          .orElse(null);
    } catch (IllegalStateException | IllegalArgumentException e) {
      return null; // the shell is closed (its cell JVM ended): JShell will say so
    }
  }
}
