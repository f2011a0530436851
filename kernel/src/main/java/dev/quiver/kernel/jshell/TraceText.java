package dev.quiver.kernel.jshell;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A cell's exception in the user's terms: the names of JShell's wrapper classes taken out of its
 * messages (a NullPointerException's helpful message names the variable {@code "s"}, not {@code
 * "REPL.$JShell$12.s"}), the frames of the kernel's machinery in the cell JVM left out, and a run
 * of repeated frames (a recursion that overflowed the stack) shown once with its count, as Python
 * does ("[Previous line repeated 996 more times]").
 */
final class TraceText {

  /** The longest cycle of frames folded (mutual recursion through up to this many methods). */
  static final int LONGEST_CYCLE = 16;

  /** Fewer repeats than this are shown as they are. */
  static final int FOLDED_FROM = 3;

  /**
   * The JVM keeps this many innermost frames of an exception's trace (HotSpot's
   * -XX:MaxJavaStackTraceDepth, 1024 by default): a trace this long was probably cut.
   */
  static final int JVM_TRACE_DEPTH = 1024;

  // A snippet's wrapper class (REPL.$JShell$12, REPL.$JShell$12B when redefined) or a quick piece's
  // (REPL.$Quiver$3), followed by the member or nested class the user named.
  private static final Pattern WRAPPER =
      Pattern.compile("(?:REPL\\.)?\\$(?:JShell|Quiver)\\$\\d+[A-Z]*(?:\\.|\\$(?=[\\p{L}_]))");

  // Frames of the machinery between the user's code and the cell JVM's entry point.
  private static final List<String> INTERNAL =
      List.of("jdk.jshell.", "dev.quiver.agent.", "dev.quiver.kernel.");

  private TraceText() {}

  /** {@code text} with JShell's wrapper class names taken out; null stays null. */
  static String userNames(String text) {
    return text == null ? null : WRAPPER.matcher(text).replaceAll("");
  }

  /**
   * Whether a frame belongs to the kernel's machinery rather than to the user's or a library's
   * code.
   */
  static boolean internal(StackTraceElement frame) {
    var cls = frame.getClassName();
    for (var prefix : INTERNAL) {
      if (cls.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The lines with each run of {@link #FOLDED_FROM} or more repeats of the same 1 to {@link
   * #LONGEST_CYCLE} lines shown once, followed by {@code "\t[the line above repeated N more
   * times]"}.
   */
  static List<String> fold(List<String> lines) {
    var out = new ArrayList<String>();
    int i = 0;
    while (i < lines.size()) {
      int period = 0;
      int repeats = 1;
      for (int p = 1; p <= LONGEST_CYCLE && i + FOLDED_FROM * p <= lines.size(); p++) {
        int r = 1;
        while (i + (r + 1) * p <= lines.size() && same(lines, i, i + r * p, p)) {
          r++;
        }
        if (r >= FOLDED_FROM) {
          period = p;
          repeats = r;
          break;
        }
      }
      if (period == 0) {
        out.add(lines.get(i++));
        continue;
      }
      out.addAll(lines.subList(i, i + period));
      out.add(
          "\t[the "
              + (period == 1 ? "line" : period + " lines")
              + " above repeated "
              + String.format(Locale.ROOT, "%,d", repeats - 1)
              + " more time"
              + (repeats == 2 ? "" : "s")
              + "]");
      i += period * repeats;
    }
    return out;
  }

  private static boolean same(List<String> lines, int a, int b, int length) {
    for (int k = 0; k < length; k++) {
      if (!lines.get(a + k).equals(lines.get(b + k))) {
        return false;
      }
    }
    return true;
  }
}
