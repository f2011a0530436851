package dev.quiver.kernel.jshell;

import dev.quiver.kernel.Interpreter.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import jdk.jshell.DeclarationSnippet;
import jdk.jshell.Diag;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;

/**
 * How a failed cell reads in the notebook: compile errors with the cell's line and column and a
 * caret under the place, exceptions with their causes and each frame of the user's code named by
 * cell and line (JShell names them after snippet ids), and the kernel's own failures.
 */
final class CellErrors {

  private static final Pattern OTHER_LANGUAGE_CELL = Pattern.compile("[a-z]+ cell \\[.*");

  private final Map<String, int[]> snippetPlace =
      new ConcurrentHashMap<>(); // snippet id -> {cell, first line}

  /**
   * Snippet (or quick piece) {@code id} is cell {@code cell}'s code from line {@code firstLine} on.
   */
  void place(String id, int cell, int firstLine) {
    snippetPlace.put(id, new int[] {cell, firstLine});
  }

  static Outcome cellJvmDidNotStart(RuntimeException e) {
    return new Outcome.Error(
        "KernelError",
        "the JVM that runs cells did not start: " + e.getMessage(),
        List.of("The JVM that runs cells did not start: " + e));
  }

  static Outcome interrupted() {
    return new Outcome.Error(
        "Interrupted",
        "the cell was interrupted; variables defined before keep their values",
        List.of("Interrupted: the cell was stopped. Variables defined before keep their values."));
  }

  // "f() uses something not defined yet: g" for a snippet that calls what is not defined.
  static String unresolvedMessage(JShell js, DeclarationSnippet snippet) {
    return snippet.source().strip().lines().findFirst().orElse("")
        + " uses something not defined yet: "
        + String.join(", ", js.unresolvedDependencies(snippet).toList());
  }

  /** A compile error at {@code position} of a piece's source. */
  record Problem(long position, String message) {}

  Outcome compileError(JShell js, Snippet snippet, Pieces.Piece piece, String code, int cell) {
    var problems = new ArrayList<Problem>();
    for (Diag d : js.diagnostics(snippet).toList()) {
      if (d.isError()) {
        long pos = d.getStartPosition() >= 0 ? d.getStartPosition() : d.getPosition();
        problems.add(new Problem(pos, d.getMessage(Locale.ROOT)));
      }
    }
    return compileError(problems, snippet.source(), piece, code, cell);
  }

  /** The compile errors of {@code piece} (whose code is {@code source}), on the cell's lines. */
  Outcome compileError(
      List<Problem> problems, String source, Pieces.Piece piece, String code, int cell) {
    var lines = new ArrayList<String>();
    String first = null;
    for (var d : problems) {
      long pos = d.position();
      int cellPos = piece.start() + (int) Math.max(0, Math.min(pos, piece.source().length()));
      int line = 1;
      int lineStart = 0;
      for (int i = 0; i < Math.min(cellPos, code.length()); i++) {
        if (code.charAt(i) == '\n') {
          line++;
          lineStart = i + 1;
        }
      }
      int lineEnd = code.indexOf('\n', lineStart);
      var text = code.substring(lineStart, lineEnd < 0 ? code.length() : lineEnd);
      int column = cellPos - lineStart + 1;
      // javac's "location: class" names JShell's wrapper class, which means nothing to the user.
      var messageLines =
          d.message().lines().filter(l -> !l.strip().startsWith("location: class")).toList();
      var message = messageLines.isEmpty() ? "error" : messageLines.getFirst();
      if (first == null) {
        first = message;
      }
      lines.add(
          "\u001b[31mcell ["
              + cell
              + "] line "
              + line
              + ", column "
              + column
              + ": "
              + message
              + "\u001b[0m");
      messageLines.stream().skip(1).forEach(l -> lines.add("  " + l.strip()));
      lines.add("    " + text);
      lines.add("    " + " ".repeat(Math.max(0, Math.min(column - 1, text.length()))) + "^");
    }
    if (first == null) {
      first = "the snippet was rejected: " + source.strip();
      lines.add(first);
    }
    return new Outcome.Error("CompilationError", first, lines);
  }

  Outcome runtimeError(Thrown thrown) {
    return runtimeError(thrown, null);
  }

  /**
   * An exception thrown by the cell's piece {@code pieceId} (a snippet id or a quick piece's; null
   * when not known): its frames in the user's terms (see {@link TraceText}); a trace the JVM cut (a
   * stack overflow keeps only the innermost frames) ends with a line saying so and the piece's own
   * place, so the user still sees which line of the cell started it.
   */
  Outcome runtimeError(Thrown thrown, String pieceId) {
    var lines = new ArrayList<String>();
    boolean firstLine = true;
    for (var t = thrown; t != null; t = t.cause()) {
      var message = TraceText.userNames(t.message());
      lines.add(
          (firstLine ? "\u001b[31m" : "Caused by: \u001b[31m")
              + TraceText.userNames(t.className())
              + (message == null ? "" : ": " + message)
              + "\u001b[0m");
      var frames = new ArrayList<String>();
      boolean reachesCell = false;
      for (var frame : t.frames()) {
        reachesCell |= cellLevel(frame);
        if (!TraceText.internal(frame)) {
          frames.add("\tat " + describe(frame));
        }
      }
      lines.addAll(TraceText.fold(frames));
      if (firstLine && !reachesCell && t.frames().length >= TraceText.JVM_TRACE_DEPTH) {
        lines.add(
            "\t[the JVM keeps only the innermost "
                + String.format(Locale.ROOT, "%,d", TraceText.JVM_TRACE_DEPTH)
                + " frames of a trace: the calls between these and the cell are not shown]");
        if (pieceId != null) {
          lines.add("\tat " + describe(new StackTraceElement("", "", "#" + pieceId, 1)));
        }
      }
      firstLine = false;
    }
    var message = TraceText.userNames(thrown.message());
    return new Outcome.Error(
        TraceText.userNames(thrown.className()), message == null ? "" : message, lines);
  }

  // A frame of the cell's own code (a piece's top level), below which only the machinery runs.
  private static boolean cellLevel(StackTraceElement f) {
    var file = f.getFileName();
    return file != null
        && file.startsWith("#")
        && (f.getMethodName().isEmpty() || f.getMethodName().equals("do_it$"));
  }

  // JShell names a snippet's frames after its id ("#12"); say which cell and line that is. A
  // language host names its frames "LANGUAGE cell [N]" (Kotlin's: "kotlin cell [3]").
  private String describe(StackTraceElement f) {
    var file = f.getFileName();
    if (file != null && OTHER_LANGUAGE_CELL.matcher(file).matches()) {
      var where = file.substring(file.indexOf(' ') + 1) + ", line " + f.getLineNumber();
      return f.getMethodName().isEmpty() ? where : f.getMethodName() + " (" + where + ")";
    }
    if (file != null && file.startsWith("#")) {
      var place = snippetPlace.get(file.substring(1));
      var where =
          place != null
              ? "cell [" + place[0] + "], line " + (place[1] + Math.max(1, f.getLineNumber()) - 1)
              : "snippet " + file + ", line " + f.getLineNumber();
      return f.getMethodName().isEmpty() || f.getMethodName().equals("do_it$")
          ? where
          : f.getMethodName() + " (" + where + ")";
    }
    return f.toString();
  }
}
