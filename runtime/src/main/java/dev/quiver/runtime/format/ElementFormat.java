package dev.quiver.runtime.format;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * One way to write every shown element of a tensor, chosen by looking at all of them, so the
 * columns line up and share a precision (PyTorch's rule).
 *
 * <p>Numbers are rounded from their exact binary value, half to even, as C's printf and Python do;
 * {@code String.format} rounds half up from the shortest decimal and would differ on ties.
 */
final class ElementFormat {

  enum Kind {
    /** integer dtype: {@code 42} */
    INTEGER,
    /** floating point, all finite values whole: {@code 42.} */
    WHOLE,
    /** {@code 42.0000} */
    FIXED,
    /** {@code 4.2000e+01} */
    SCIENTIFIC
  }

  private final Kind kind;
  private final int precision;
  private final int width;

  private ElementFormat(Kind kind, int precision, double[] shown) {
    this.kind = kind;
    this.precision = precision;
    int w = 1;
    for (double v : shown) {
      w = Math.max(w, format(v).length());
    }
    this.width = w;
  }

  /** The format for a tensor whose shown elements are {@code shown}. */
  static ElementFormat choose(double[] shown, boolean integral, TensorFormatOptions options) {
    if (integral) {
      return new ElementFormat(Kind.INTEGER, 0, shown);
    }
    // Only finite non-zero magnitudes decide: zeros, nan and inf print the same in any format.
    double min = Double.POSITIVE_INFINITY;
    double max = 0;
    boolean whole = true;
    for (double v : shown) {
      if (Double.isFinite(v) && v != 0) {
        double a = Math.abs(v);
        min = Math.min(min, a);
        max = Math.max(max, a);
        whole &= v == Math.rint(v);
      }
    }
    boolean any = max > 0;
    boolean sci =
        switch (options.sciMode()) {
          case ALWAYS -> true;
          case NEVER -> false;
          case AUTO -> any && (max / min > 1000 || max > 1e8 || (!whole && min < 1e-4));
        };
    Kind kind = sci ? Kind.SCIENTIFIC : whole ? Kind.WHOLE : Kind.FIXED;
    return new ElementFormat(kind, options.precision(), shown);
  }

  Kind kind() {
    return kind;
  }

  /** Characters of the widest shown element. */
  int width() {
    return width;
  }

  /** {@code value} right-aligned to {@link #width()}. */
  String padded(double value) {
    var s = format(value);
    return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
  }

  /** {@code value} alone, without padding. */
  String format(double value) {
    if (Double.isNaN(value)) {
      return "nan";
    }
    if (Double.isInfinite(value)) {
      return value > 0 ? "inf" : "-inf";
    }
    return switch (kind) {
      case INTEGER -> integer(value);
      case WHOLE -> fixed(value, 0) + ".";
      case FIXED -> fixed(value, precision);
      case SCIENTIFIC -> scientific(value, precision);
    };
  }

  private static String integer(double value) {
    if (Math.abs(value) < 0x1p63 && value == Math.rint(value)) {
      return Long.toString((long) value);
    }
    return new BigDecimal(value).setScale(0, RoundingMode.HALF_EVEN).toPlainString();
  }

  static String fixed(double value, int digits) {
    var s = new BigDecimal(value).setScale(digits, RoundingMode.HALF_EVEN).toPlainString();
    return withSign(value, s);
  }

  static String scientific(double value, int digits) {
    if (value == 0) {
      return withSign(value, "0" + (digits > 0 ? "." + "0".repeat(digits) : "") + "e+00");
    }
    var rounded =
        new BigDecimal(Math.abs(value)).round(new MathContext(digits + 1, RoundingMode.HALF_EVEN));
    int exponent = rounded.precision() - rounded.scale() - 1;
    var mantissa = new StringBuilder(rounded.unscaledValue().toString());
    while (mantissa.length() < digits + 1) {
      mantissa.append('0');
    }
    if (digits > 0) {
      mantissa.insert(1, '.');
    }
    var exp =
        (exponent < 0 ? "-" : "+") + (Math.abs(exponent) < 10 ? "0" : "") + Math.abs(exponent);
    return (value < 0 ? "-" : "") + mantissa + "e" + exp;
  }

  // BigDecimal has no negative zero, and a tiny negative rounds to "0.0000"; printf keeps the sign.
  private static String withSign(double value, String text) {
    boolean negative = value < 0 || (value == 0 && 1 / value < 0);
    return negative && !text.startsWith("-") ? "-" + text : text;
  }
}
