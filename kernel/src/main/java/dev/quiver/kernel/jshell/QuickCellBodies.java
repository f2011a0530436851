package dev.quiver.kernel.jshell;

import java.util.Set;

/**
 * Which pieces of a cell can be quick cells, and the body of {@code do_it$} each becomes: a piece
 * that declares nothing (an expression, a call, a statement, a block) runs as a method body; a
 * declaration goes through JShell. Text only, apart from {@link QuickCells}' compiling and running.
 */
final class QuickCellBodies {
  private static final Set<String> STATEMENT_STARTS =
      Set.of("if", "for", "while", "do", "try", "switch", "synchronized", "throw");

  private QuickCellBodies() {}

  /**
   * The body of {@code do_it$} for a piece.
   *
   * @param leadLines the lines of the body before the piece's first line
   */
  record Body(String text, int leadLines) {}

  /** The body of do_it$ for this piece, or null when the piece is not for this path. */
  static Body body(String piece) {
    var code = piece.strip();
    if (code.isEmpty() || code.startsWith("@") || code.startsWith("<") || !balanced(code)) {
      return null;
    }
    var first = firstWord(code);
    if (code.startsWith("{") || STATEMENT_STARTS.contains(first)) {
      // "if (true)": a statement that cannot complete normally (throw, an endless loop)
      // must not make the "return" after it unreachable.
      return new Body(
          "if (true) {\n" + code + "\n}\nreturn " + QuickCells.CELL_CALL + ".NO_VALUE;", 1);
    }
    if (NOT_EXPRESSION_STARTS.contains(first)
        || (!first.equals("new") && DECLARATION.matcher(code).lookingAt())) {
      return null;
    }
    var expression =
        code.endsWith(";") ? code.substring(0, code.length() - 1).stripTrailing() : code;
    if (expression.isEmpty() || expression.endsWith(";")) {
      return null;
    }
    if (expression.endsWith(")")) {
      // Maybe a call to a void method: let the compiler pick (see CellCall).
      return new Body("return " + QuickCells.CELL_CALL + ".of(() -> " + expression + "\n);", 0);
    }
    return new Body("return " + QuickCells.CELL_CALL + ".shown(" + expression + "\n);", 0);
  }

  // "Type name =", "Type<A, B> name;", "Type[] name", "Type name(": a declaration (saves a compile
  // that would fail).
  private static final java.util.regex.Pattern DECLARATION =
      java.util.regex.Pattern.compile(
          "[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}.]*\\s*(<[^;=(){}]*>)?\\s*(\\[\\s*]\\s*)*\\s+[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}]*\\s*[=;(]");

  // Words that start a declaration or a statement JShell must see, never an expression.
  private static final Set<String> NOT_EXPRESSION_STARTS =
      Set.of(
          "import",
          "package",
          "class",
          "interface",
          "enum",
          "record",
          "var",
          "void",
          "return",
          "break",
          "continue",
          "yield",
          "assert",
          "case",
          "default",
          "else",
          "catch",
          "finally",
          "boolean",
          "byte",
          "char",
          "short",
          "int",
          "long",
          "float",
          "double",
          "public",
          "protected",
          "private",
          "static",
          "final",
          "abstract",
          "sealed",
          "non-sealed",
          "strictfp",
          "transient",
          "volatile",
          "native",
          "module",
          "open");

  private static String firstWord(String code) {
    int end = 0;
    while (end < code.length() && Character.isJavaIdentifierPart(code.charAt(end))) {
      end++;
    }
    return end > 0 && Character.isJavaIdentifierStart(code.charAt(0)) ? code.substring(0, end) : "";
  }

  /**
   * Whether brackets balance outside strings and comments, and the piece has no comment or string
   * left open: a piece that could close the generated method early must go to JShell.
   */
  static boolean balanced(String code) {
    var open = new StringBuilder();
    int n = code.length();
    for (int i = 0; i < n; i++) {
      char c = code.charAt(i);
      if (c == '/' && i + 1 < n && code.charAt(i + 1) == '/') {
        int end = code.indexOf('\n', i);
        if (end < 0) {
          break; // a comment to the end: the generated code after the piece starts on a new line
        }
        i = end;
      } else if (c == '/' && i + 1 < n && code.charAt(i + 1) == '*') {
        int end = code.indexOf("*/", i + 2);
        if (end < 0) {
          return false;
        }
        i = end + 1;
      } else if (c == '"' && code.startsWith("\"\"\"", i)) {
        int end = i + 3;
        while (true) {
          end = code.indexOf("\"\"\"", end);
          if (end < 0) {
            return false;
          }
          if (code.charAt(end - 1) != '\\') {
            break;
          }
          end++;
        }
        i = end + 2;
      } else if (c == '"' || c == '\'') {
        int j = i + 1;
        while (j < n && code.charAt(j) != c) {
          if (code.charAt(j) == '\\') {
            j++;
          } else if (code.charAt(j) == '\n') {
            return false;
          }
          j++;
        }
        if (j >= n) {
          return false;
        }
        i = j;
      } else if (c == '(' || c == '[' || c == '{') {
        open.append(c);
      } else if (c == ')' || c == ']' || c == '}') {
        if (open.isEmpty()) {
          return false;
        }
        char o = open.charAt(open.length() - 1);
        if ((c == ')' && o != '(') || (c == ']' && o != '[') || (c == '}' && o != '{')) {
          return false;
        }
        open.setLength(open.length() - 1);
      }
    }
    return open.isEmpty();
  }
}
