package dev.quiver.kernel.magic;

import dev.quiver.kernel.Interpreter.Completeness;
import dev.quiver.kernel.Interpreter.Completion;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Completion and is_complete for {@code %%kotlin} cells, from the text alone: the kernel does not
 * load the Kotlin compiler (nor its IDE services) to answer them. Completion offers Kotlin's
 * keywords, common standard-library functions and the names the cell itself declares; member
 * completion (after a dot) is not supported and answers no matches.
 */
final class KotlinText {

  static final List<String> WORDS =
      List.of(
          "abstract",
          "as",
          "break",
          "by",
          "class",
          "companion",
          "const",
          "continue",
          "data",
          "do",
          "else",
          "enum",
          "false",
          "for",
          "fun",
          "if",
          "import",
          "in",
          "init",
          "inline",
          "interface",
          "internal",
          "is",
          "lateinit",
          "null",
          "object",
          "open",
          "operator",
          "override",
          "private",
          "protected",
          "public",
          "return",
          "sealed",
          "super",
          "suspend",
          "this",
          "throw",
          "true",
          "try",
          "typealias",
          "val",
          "var",
          "vararg",
          "when",
          "while",
          "println",
          "print",
          "listOf",
          "mutableListOf",
          "mapOf",
          "mutableMapOf",
          "setOf",
          "mutableSetOf",
          "arrayOf",
          "doubleArrayOf",
          "floatArrayOf",
          "intArrayOf",
          "repeat",
          "require",
          "check",
          "error",
          "lazy",
          "let",
          "also",
          "apply",
          "run",
          "with",
          "takeIf",
          "show",
          "Shared");

  private KotlinText() {}

  static Completion complete(String code, int cursor) {
    int c = Math.min(Math.max(cursor, 0), code.length());
    int start = c;
    while (start > 0 && Character.isJavaIdentifierPart(code.charAt(start - 1))) {
      start--;
    }
    var prefix = code.substring(start, c);
    if (start > 0 && code.charAt(start - 1) == '.') {
      return new Completion(List.of(), start, c); // members: not supported without the compiler
    }
    var names = new TreeSet<String>(WORDS);
    var m =
        java.util.regex.Pattern.compile(
                "\\b(?:val|var|fun|class|object)\\s+([A-Za-z_][A-Za-z0-9_]*)")
            .matcher(code);
    while (m.find()) {
      names.add(m.group(1));
    }
    var matches = new ArrayList<String>();
    if (!prefix.isEmpty()) {
      for (var n : names) {
        if (n.startsWith(prefix) && !n.equals(prefix)) {
          matches.add(n);
        }
      }
    }
    return new Completion(matches, start, c);
  }

  /** Complete unless a bracket or string is still open (then incomplete, indented by 4). */
  static Completeness completeness(String code) {
    int depth = 0;
    boolean inString = false;
    boolean triple = false;
    for (int i = 0; i < code.length(); i++) {
      char ch = code.charAt(i);
      if (triple) {
        if (code.startsWith("\"\"\"", i)) {
          triple = false;
          i += 2;
        }
        continue;
      }
      if (inString) {
        if (ch == '\\') {
          i++;
        } else if (ch == '"' || ch == '\n') {
          inString = false;
        }
        continue;
      }
      if (code.startsWith("//", i)) {
        int nl = code.indexOf('\n', i);
        if (nl < 0) {
          break;
        }
        i = nl;
      } else if (code.startsWith("\"\"\"", i)) {
        triple = true;
        i += 2;
      } else if (ch == '"') {
        inString = true;
      } else if (ch == '(' || ch == '[' || ch == '{') {
        depth++;
      } else if (ch == ')' || ch == ']' || ch == '}') {
        depth--;
      }
    }
    if (depth < 0) {
      return new Completeness("invalid", "");
    }
    return depth > 0 || triple
        ? new Completeness("incomplete", "    ")
        : new Completeness("complete", "");
  }
}
