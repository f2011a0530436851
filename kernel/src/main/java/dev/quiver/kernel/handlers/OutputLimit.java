package dev.quiver.kernel.handlers;

import dev.quiver.display.MimeBundle;

/**
 * How much output a cell shows ({@link CellOutput}): {@value #DEFAULT} bytes unless the kernel JVM
 * is started with {@code -Dquiver.output.limit=BYTES} (a suffix k, m or g multiplies by 1 000s).
 * Sizes are in decimal units, as a user counts them: 1 MB is 1 000 000 bytes.
 */
public final class OutputLimit {

  static final long DEFAULT = 10_000_000;

  /**
   * The system property that sets the limit, on the kernel JVM; the kernel passes the limit in
   * bytes to the cell JVM under the same name, where printed text past it is counted and not sent.
   */
  public static final String PROPERTY = "quiver.output.limit";

  static final String HOW_TO_CHANGE = " (the kernel's -D" + PROPERTY + "=BYTES sets it)";

  private OutputLimit() {}

  /** The limit in bytes, from {@value #PROPERTY}; a value that does not parse is refused. */
  public static long bytes() {
    var value = System.getProperty(PROPERTY);
    return value == null || value.isBlank() ? DEFAULT : parse(value);
  }

  static long parse(String value) {
    var v = value.strip().toLowerCase(java.util.Locale.ROOT);
    long unit = 1;
    if (v.endsWith("k") || v.endsWith("m") || v.endsWith("g")) {
      unit = v.endsWith("k") ? 1_000L : v.endsWith("m") ? 1_000_000L : 1_000_000_000L;
      v = v.substring(0, v.length() - 1);
    }
    try {
      long n = Long.parseLong(v);
      if (n < 0) {
        throw new NumberFormatException();
      }
      return Math.multiplyExact(n, unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(
          "-D" + PROPERTY + "=" + value + ": expected a number of bytes such as 10000000 or 10m",
          e);
    }
  }

  /** Bytes of {@code s} in UTF-8. */
  static long utf8Length(CharSequence s) {
    long n = 0;
    for (int i = 0, len = s.length(); i < len; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  /** The bytes of a bundle's data, all of its types. */
  static long size(MimeBundle bundle) {
    long n = 0;
    for (var v : bundle.data().values()) {
      n += utf8Length(v);
    }
    return n;
  }

  /**
   * The length of the longest prefix of {@code s} of at most {@code bytes} bytes, ending at a line
   * end when it holds one, and never inside a surrogate pair.
   */
  static int prefixWithin(String s, long bytes) {
    long n = 0;
    int end = 0;
    for (int len = s.length(); end < len; end++) {
      char c = s.charAt(end);
      int w = c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isHighSurrogate(c) ? 4 : 3;
      if (n + w > bytes) {
        break;
      }
      n += w;
      if (w == 4) {
        end++;
      }
    }
    if (end == s.length()) {
      return end;
    }
    int line = s.lastIndexOf('\n', end - 1);
    return line >= 0 ? line + 1 : end;
  }

  /** A size for people: "512 bytes", "48.0 KB", "50.0 MB". */
  static String describe(long bytes) {
    if (bytes < 1000) {
      return bytes + (bytes == 1 ? " byte" : " bytes");
    }
    if (bytes < 1_000_000) {
      return String.format(java.util.Locale.ROOT, "%.1f KB", bytes / 1e3);
    }
    if (bytes < 1_000_000_000) {
      return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
    return String.format(java.util.Locale.ROOT, "%.1f GB", bytes / 1e9);
  }
}
