package dev.quiver.kernel.jshell;

import dev.quiver.kernel.Interpreter.Completeness;
import java.util.ArrayList;
import java.util.List;
import jdk.jshell.SourceCodeAnalysis;

/** Splits a cell into JShell snippets, remembering where each starts in the cell. */
final class Pieces {

  private Pieces() {}

  /**
   * @param source what JShell evaluates (a semicolon may have been added)
   * @param start where the snippet's text starts in the cell
   * @param end where the text this snippet consumed ends in the cell
   * @param ownLine a line (or lines) without ";" that ended where the next line did not continue
   *     it: as at the jshell prompt, its value shows even in the middle of a cell
   */
  record Piece(String source, int start, int regionStart, int end, boolean ownLine) {
    /**
     * The 1-based line of the cell the snippet's code starts on (JShell counts lines from its first
     * non-blank).
     */
    int line(String cell) {
      int first = start;
      while (first < cell.length() && Character.isWhitespace(cell.charAt(first))) {
        first++;
      }
      int line = 1;
      for (int i = 0; i < first && i < cell.length(); i++) {
        if (cell.charAt(i) == '\n') {
          line++;
        }
      }
      return line;
    }
  }

  record Region(String text, int start) {}

  static List<Piece> split(SourceCodeAnalysis sca, String code) {
    var pieces = new ArrayList<Piece>();
    int offset = 0;
    String rest = code;
    while (!rest.isBlank()) {
      var info = sca.analyzeCompletion(rest);
      var c = info.completeness();
      if (c == SourceCodeAnalysis.Completeness.EMPTY) {
        break;
      }
      String source;
      int consumed;
      boolean ownLine = false;
      if (c.isComplete()) {
        source = info.source();
        consumed = rest.length() - info.remaining().length();
        var line = firstCompleteLine(sca, rest, consumed, source);
        if (line != null) {
          source = line.source();
          consumed = line.consumed();
          ownLine = true;
        }
      } else {
        source = rest; // let the compiler say what is wrong with it
        consumed = rest.length();
      }
      if (consumed <= 0) {
        source = rest;
        consumed = rest.length();
      }
      // Where JShell's source starts in the cell: its diagnostics and line numbers count from
      // there.
      int lead = rest.indexOf(source);
      if (lead < 0 && source.endsWith(";")) {
        lead = rest.indexOf(source.substring(0, source.length() - 1)); // JShell added the semicolon
      }
      if (lead < 0 || lead >= consumed) {
        var firstLine = source.strip().lines().findFirst().orElse("");
        int idx = firstLine.isEmpty() ? -1 : rest.indexOf(firstLine);
        lead = idx >= 0 && idx < consumed ? idx : leadingSpace(rest);
      }
      pieces.add(new Piece(source, offset + lead, offset, offset + consumed, ownLine));
      offset += consumed;
      rest = rest.substring(consumed);
    }
    return pieces;
  }

  /**
   * The first of a cell's pieces, when there are several, that does not parse as Java (so the cell
   * can fail before its earlier pieces run); null when each parses.
   */
  static Piece firstUnparsed(SourceCodeAnalysis sca, List<Piece> pieces) {
    if (pieces.size() < 2) {
      return null;
    }
    int i = JavaSyntax.firstUnparsed(pieces.stream().map(Piece::source).toList());
    return i < 0 ? null : pieces.get(i);
  }

  private record Cut(String source, int consumed) {}

  /**
   * Lines as the jshell prompt takes them: where JShell's snippet (over several lines) does not
   * parse, as with two expressions on lines of their own without semicolons ("w.grad()" then
   * "b.grad()"), the snippet ends at the first line end where the text so far is a whole snippet
   * and the next line of code does not continue it (it does when it starts with ".", an operator or
   * a closing bracket). Null where the snippet parses, or no line end makes one.
   */
  private static Cut firstCompleteLine(
      SourceCodeAnalysis sca, String rest, int consumed, String source) {
    int lastEnd = rest.substring(0, consumed).stripTrailing().length();
    int firstBreak = rest.indexOf('\n', leadingSpace(rest));
    if (firstBreak < 0 || firstBreak >= lastEnd || !erroneous(source)) {
      return null;
    }
    for (int nl = firstBreak; nl >= 0 && nl < lastEnd; nl = rest.indexOf('\n', nl + 1)) {
      var prefix = rest.substring(0, nl + 1);
      if (prefix.isBlank() || continues(nextCodeLine(rest, nl + 1))) {
        continue;
      }
      var info = sca.analyzeCompletion(prefix);
      if (info.completeness().isComplete()
          && info.remaining().isBlank()
          && !erroneous(info.source())) {
        return new Cut(info.source(), nl + 1);
      }
    }
    return null;
  }

  private static boolean erroneous(String source) {
    return !JavaSyntax.parses(source);
  }

  /** The next line after `from` that holds code (not blank, not only a // comment), stripped. */
  private static String nextCodeLine(String text, int from) {
    for (var line : text.substring(from).lines().toList()) {
      var s = line.strip();
      if (!s.isEmpty() && !s.startsWith("//")) {
        return s;
      }
    }
    return "";
  }

  private static boolean continues(String line) {
    if (line.isEmpty()) {
      return false;
    }
    if (line.startsWith("++") || line.startsWith("--")) {
      return false; // "++i" starts a statement of its own
    }
    return ".)]}+-*/%&|^?:=<>,;".indexOf(line.charAt(0)) >= 0 || line.startsWith("instanceof ");
  }

  /** The text of the snippet the cursor is in (or at the end of), for completion and inspection. */
  static Region regionAt(SourceCodeAnalysis sca, String code, int cursor) {
    int start = 0;
    for (var p : split(sca, code.substring(0, Math.min(cursor, code.length())))) {
      if (p.end() < cursor) {
        start = p.end();
      } else {
        start = p.regionStart();
        break;
      }
    }
    int end = cursor;
    // Include the rest of the word under the cursor, so inspection sees a whole name.
    while (end < code.length() && Character.isJavaIdentifierPart(code.charAt(end))) {
      end++;
    }
    return new Region(code.substring(start, end), start);
  }

  static Completeness completeness(SourceCodeAnalysis sca, String code) {
    if (code.stripLeading().startsWith("%")) {
      return new Completeness("complete", "");
    }
    String rest = code;
    while (!rest.isBlank()) {
      var info = sca.analyzeCompletion(rest);
      switch (info.completeness()) {
        case EMPTY -> {
          return new Completeness("complete", "");
        }
        case COMPLETE, COMPLETE_WITH_SEMI -> {
          // Complete but not Java ("1 +* 2;"): JShell parses it, without running it, to an
          // erroneous snippet.
          if (sca.sourceToSnippets(info.source()).stream()
              .anyMatch(sn -> sn.kind() == jdk.jshell.Snippet.Kind.ERRONEOUS)) {
            return new Completeness("invalid", "");
          }
          if (info.remaining().length() >= rest.length()) {
            return new Completeness("complete", "");
          }
          rest = info.remaining();
        }
        case DEFINITELY_INCOMPLETE, CONSIDERED_INCOMPLETE -> {
          return new Completeness("incomplete", "    ".repeat(Math.max(1, depth(code))));
        }
        case UNKNOWN -> {
          return new Completeness("invalid", "");
        }
      }
    }
    return new Completeness("complete", "");
  }

  private static int depth(String code) {
    int d = 0;
    for (int i = 0; i < code.length(); i++) {
      char ch = code.charAt(i);
      if (ch == '{' || ch == '(') {
        d++;
      } else if ((ch == '}' || ch == ')') && d > 0) {
        d--;
      }
    }
    return d;
  }

  private static int leadingSpace(String s) {
    int i = 0;
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }
}
