package dev.quiver.kernel.handlers;

import com.fasterxml.jackson.databind.JsonNode;

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

  /**
   * The cursor of a complete or inspect request as a UTF-16 index into {@code code}: the request's
   * {@code cursor_pos} (code points), or the end of the code when it has none.
   */
  static int cursor(JsonNode content, String code) {
    return toUtf16(code, content.path("cursor_pos").asInt(code.codePointCount(0, code.length())));
  }

  static int fromUtf16(String s, int index) {
    return s.codePointCount(0, Math.max(0, Math.min(index, s.length())));
  }
}
