package dev.quiver.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One result line: ordered fields, printed as a JSON object or as a table row. */
final class Row {
  final Map<String, Object> fields = new LinkedHashMap<>();

  Row put(String key, Object value) {
    fields.put(key, value);
    return this;
  }

  Object get(String key) {
    return fields.get(key);
  }

  String toJson() {
    StringBuilder sb = new StringBuilder("{");
    for (var e : fields.entrySet()) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      sb.append('"').append(e.getKey()).append("\":").append(jsonValue(e.getValue()));
    }
    return sb.append('}').toString();
  }

  private static String jsonValue(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof List<?> list) {
      StringBuilder sb = new StringBuilder("[");
      for (Object x : list) {
        sb.append(sb.length() > 1 ? "," : "").append(jsonValue(x));
      }
      return sb.append(']').toString();
    }
    if (v instanceof Double d) {
      return Double.isFinite(d)
          ? String.format(Locale.ROOT, "%.6g", d)
              .replaceAll("(\\.\\d*?)0+(e|$)", "$1$2")
              .replace(".e", "e")
              .replaceAll("\\.$", "")
          : "null";
    }
    if (v instanceof Number || v instanceof Boolean) {
      return v.toString();
    }
    String s = v.toString().replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    return '"' + s + '"';
  }

  /** The keys whose values are measurements (the doubles), not configuration. */
  String measuredKeys() {
    return String.join(
        ",",
        fields.entrySet().stream()
            .filter(e -> e.getValue() instanceof Double)
            .map(e -> e.getKey())
            .toList());
  }

  /**
   * A row back from {@link #toJson}: an object of strings, numbers (as doubles), booleans, nulls
   * and arrays of those (a figure's raw rounds), which is all a row holds.
   */
  static Row parseJson(String json) {
    Row r = new Row();
    int[] at = {skip(json, 0)};
    expect(json, at, '{');
    if (peek(json, at) == '}') {
      return r;
    }
    while (true) {
      String key = string(json, at);
      expect(json, at, ':');
      r.put(key, value(json, at));
      char c = peek(json, at);
      at[0]++;
      if (c == '}') {
        return r;
      }
      if (c != ',') {
        throw new IllegalArgumentException("bad JSON row at " + at[0] + ": " + json);
      }
    }
  }

  private static Object value(String s, int[] at) {
    char c = peek(s, at);
    if (c == '"') {
      return string(s, at);
    }
    if (c == '[') {
      at[0]++;
      List<Object> list = new ArrayList<>();
      if (peek(s, at) == ']') {
        at[0]++;
        return list;
      }
      while (true) {
        list.add(value(s, at));
        char next = peek(s, at);
        at[0]++;
        if (next == ']') {
          return list;
        }
        if (next != ',') {
          throw new IllegalArgumentException("bad JSON array at " + at[0] + ": " + s);
        }
      }
    }
    int start = at[0];
    while (at[0] < s.length() && ",}]".indexOf(s.charAt(at[0])) < 0) {
      at[0]++;
    }
    String token = s.substring(start, at[0]).strip();
    return switch (token) {
      case "null" -> null;
      case "true" -> Boolean.TRUE;
      case "false" -> Boolean.FALSE;
      default -> {
        try {
          yield Double.parseDouble(token);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("bad JSON value '" + token + "' in: " + s);
        }
      }
    };
  }

  private static String string(String s, int[] at) {
    expect(s, at, '"');
    StringBuilder sb = new StringBuilder();
    while (at[0] < s.length()) {
      char c = s.charAt(at[0]++);
      if (c == '"') {
        return sb.toString();
      }
      if (c == '\\' && at[0] < s.length()) {
        char e = s.charAt(at[0]++);
        sb.append(e == 'n' ? '\n' : e);
      } else {
        sb.append(c);
      }
    }
    throw new IllegalArgumentException("unterminated string in: " + s);
  }

  private static void expect(String s, int[] at, char c) {
    if (peek(s, at) != c) {
      throw new IllegalArgumentException("expected '" + c + "' at " + at[0] + " in: " + s);
    }
    at[0]++;
  }

  private static char peek(String s, int[] at) {
    at[0] = skip(s, at[0]);
    return at[0] < s.length() ? s.charAt(at[0]) : '\0';
  }

  private static int skip(String s, int i) {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  static String human(Object v) {
    if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString(d.longValue()); // a count or a size read back from a child's JSON
    }
    if (v instanceof Double d) {
      return Math.abs(d) >= 100
          ? String.format(Locale.ROOT, "%.0f", d)
          : String.format(Locale.ROOT, "%.3g", d);
    }
    return String.valueOf(v);
  }
}
