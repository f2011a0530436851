package dev.quiver.bench;

import java.util.LinkedHashMap;
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

  static String human(Object v) {
    if (v instanceof Double d) {
      return Math.abs(d) >= 100
          ? String.format(Locale.ROOT, "%.0f", d)
          : String.format(Locale.ROOT, "%.3g", d);
    }
    return String.valueOf(v);
  }
}
