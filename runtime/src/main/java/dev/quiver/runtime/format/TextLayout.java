package dev.quiver.runtime.format;

import java.util.ArrayList;
import java.util.List;

/**
 * Lays shown elements out as nested brackets, PyTorch style: rows aligned under each other, blank
 * lines between blocks of rank 3 and up, long rows wrapped to the line width, and {@code ...} where
 * a summarized axis skips elements.
 */
final class TextLayout {

  private final ShownElements shown;
  private final int lineWidth;
  private int next; // index into shown.values() of the next element to write

  private TextLayout(ShownElements shown, int lineWidth) {
    this.shown = shown;
    this.lineWidth = lineWidth;
  }

  /**
   * The bracketed elements, without name or suffixes; a scalar is its bare number.
   *
   * @param indent the column where the opening bracket stands; continuation lines align to it
   */
  static String body(ShownElements shown, int indent, int lineWidth) {
    if (shown.isEmpty()) {
      return "[]";
    }
    if (shown.rank() == 0) {
      return shown.format().format(shown.values()[0]);
    }
    return new TextLayout(shown, lineWidth).axis(0, indent);
  }

  private String axis(int axis, int indent) {
    var window = shown.windows()[axis];
    if (axis == shown.rank() - 1) {
      return row(window, indent);
    }
    var parts = new ArrayList<String>(window.length);
    for (long i : window) {
      parts.add(i == ShownElements.GAP ? "..." : axis(axis + 1, indent + 1));
    }
    // One newline between rows, two between matrices, three between rank-3 blocks...
    var separator = "," + "\n".repeat(shown.rank() - axis - 1) + " ".repeat(indent + 1);
    return "[" + String.join(separator, parts) + "]";
  }

  private String row(long[] window, int indent) {
    var format = shown.format();
    var items = new ArrayList<String>(window.length);
    for (long i : window) {
      items.add(i == ShownElements.GAP ? " ..." : format.padded(shown.values()[next++]));
    }
    int perLine = Math.max(1, (lineWidth - indent) / (format.width() + 2));
    var lines = new ArrayList<String>();
    for (int from = 0; from < items.size(); from += perLine) {
      lines.add(String.join(", ", items.subList(from, Math.min(items.size(), from + perLine))));
    }
    return "[" + String.join(",\n" + " ".repeat(indent + 1), lines) + "]";
  }

  /**
   * {@code name(body, suffix, ...)}; a suffix that would run past the line width starts a new line
   * aligned after the opening parenthesis.
   */
  static String wrap(String name, String body, List<String> suffixes, int lineWidth) {
    var out =
        new StringBuilder(name.length() + body.length() + 32).append(name).append('(').append(body);
    int indent = name.length() + 1;
    int lastLine = out.length() - (out.lastIndexOf("\n") + 1);
    for (var suffix : suffixes) {
      if (lastLine + 2 + suffix.length() + 1 > lineWidth) {
        out.append(",\n").append(" ".repeat(indent)).append(suffix);
        lastLine = indent + suffix.length();
      } else {
        out.append(", ").append(suffix);
        lastLine += 2 + suffix.length();
      }
    }
    return out.append(')').toString();
  }
}
