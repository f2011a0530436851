package dev.quiver.kernel.handlers;

/**
 * Jupyter counts cursor positions in Unicode code points (protocol 5.2+); Java strings in UTF-16
 * units.
 */
final class CodePoints {
  private CodePoints() {}

  static int toUtf16(String s, int codePoints) {
    int cp = Math.max(0, Math.min(codePoints, s.codePointCount(0, s.length())));
    return s.offsetByCodePoints(0, cp);
  }

  static int fromUtf16(String s, int index) {
    return s.codePointCount(0, Math.max(0, Math.min(index, s.length())));
  }
}
