package dev.quiver.dsl.train;

import java.util.Locale;
import java.util.Map;

/**
 * A small line chart as SVG, drawn by hand so that it is cheap to redraw four times a second and
 * renders offline everywhere. Used by the live progress view and by {@link History}, inside an
 * {@code <img>} (see {@link dev.quiver.display.Svg}); publication plots belong to the plotting
 * module.
 */
final class LossPlot {
  // Matplotlib's "tab10": ten colours that stay apart on white.
  static final String[] COLORS = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"
  };
  private static final double CHAR_WIDTH = 6.6; // of an 11 px sans-serif digit, generously

  /**
   * The locale of every number the live view and the curves print: US, not ROOT, though both write
   * '.' and plain digits. Formatter takes US's separator and zero as given, while any other locale
   * makes the first format load the JDK's locale data (the CLDR provider: 20-40 ms of CPU), which a
   * notebook's first fit paid on its training thread for the progress bar's first line.
   */
  static final Locale NUMBERS = Locale.US;

  private LossPlot() {}

  static String svg(Map<String, double[]> series, int width, int height) {
    double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
    int n = 0;
    for (double[] s : series.values()) {
      n = Math.max(n, s.length);
      for (double v : s) {
        if (Double.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    if (!(hi >= lo)) {
      lo = 0;
      hi = 1;
    }
    if (hi == lo) {
      double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1;
      lo -= pad;
      hi += pad;
    }
    String[] labels = {tick(hi), tick((hi + lo) / 2), tick(lo)};
    int longest = 0;
    for (String l : labels) {
      longest = Math.max(longest, l.length());
    }
    // The left margin fits the longest label, so "4.50e-05" is not cut at the image's edge.
    int left = (int) Math.ceil(longest * CHAR_WIDTH) + 10, right = 12, top = 10, bottom = 30;
    double w = width - left - right, h = height - top - bottom;
    // Appended piece by piece, not through String.format: the live view redraws this several
    // times a second, and a 100-epoch curve took over 100 format calls per frame.
    var sb = new StringBuilder(256 + 16 * n * series.size());
    sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(width)
        .append("\" height=\"")
        .append(height)
        .append("\" font-family=\"sans-serif\" font-size=\"11\"><rect width=\"")
        .append(width)
        .append("\" height=\"")
        .append(height)
        .append("\" fill=\"#fff\"/>");
    for (int i = 0; i < 3; i++) {
      double y = top + h * i / 2;
      sb.append("<line x1=\"").append(left).append("\" y1=\"");
      fixed1(sb, y).append("\" x2=\"");
      fixed1(sb, left + w).append("\" y2=\"");
      fixed1(sb, y).append("\" stroke=\"").append(i == 2 ? "#999" : "#e5e5e5");
      sb.append("\"/><text x=\"").append(left - 5).append("\" y=\"");
      fixed1(sb, y).append("\" text-anchor=\"end\" dominant-baseline=\"middle\">");
      sb.append(labels[i]).append("</text>");
    }
    sb.append("<line x1=\"").append(left).append("\" y1=\"").append(top);
    sb.append("\" x2=\"").append(left).append("\" y2=\"");
    fixed1(sb, top + h).append("\" stroke=\"#999\"/><text x=\"").append(left).append("\" y=\"");
    fixed1(sb, top + h + 14).append("\" text-anchor=\"middle\">1</text><text x=\"");
    fixed1(sb, left + w).append("\" y=\"");
    fixed1(sb, top + h + 14).append("\" text-anchor=\"middle\">").append(Math.max(n, 1));
    sb.append("</text><text x=\"");
    fixed1(sb, left + w / 2).append("\" y=\"").append(height - 4);
    sb.append("\" text-anchor=\"middle\">epoch</text>");
    int k = 0;
    for (var e : series.entrySet()) {
      double[] s = e.getValue();
      String color = COLORS[k % COLORS.length];
      sb.append("<polyline fill=\"none\" stroke=\"")
          .append(color)
          .append("\" stroke-width=\"1.5\" points=\"");
      for (int i = 0; i < s.length; i++) {
        if (!Double.isFinite(s[i])) {
          continue;
        }
        double x = left + (n <= 1 ? w / 2 : w * i / (n - 1));
        double y = top + h * (hi - s[i]) / (hi - lo);
        fixed1(sb, x).append(',');
        fixed1(sb, y).append(' ');
      }
      sb.append("\"/>");
      sb.append("<text x=\"");
      fixed1(sb, left + w - 4).append("\" y=\"").append(top + 12 + 13 * k);
      sb.append("\" fill=\"").append(color).append("\" text-anchor=\"end\">");
      sb.append(escape(e.getKey())).append("</text>");
      k++;
    }
    return sb.append("</svg>").toString();
  }

  /** An axis label: three significant digits, in exponent form only when small or large. */
  static String tick(double v) {
    if (!Double.isFinite(v)) {
      return Double.toString(v);
    }
    double a = Math.abs(v);
    if (a == 0) {
      return "0";
    }
    if (a >= 1e3 && a < 1e5) {
      return String.format(NUMBERS, "%.0f", v);
    }
    if (a >= 1e-3 && a < 1e3) {
      var s = String.format(NUMBERS, "%.3g", v);
      return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }
    return String.format(NUMBERS, "%.2e", v);
  }

  /**
   * A logged value (a loss, a metric): four decimals while they say something, else three
   * significant digits with an exponent, so a loss of 4.5e-05 does not read "0.0000".
   */
  static String value(double v) {
    if (!Double.isFinite(v)) {
      return Double.toString(v);
    }
    double a = Math.abs(v);
    if (a == 0 || (a >= 1e-3 && a < 1e6)) {
      return String.format(NUMBERS, "%.4f", v);
    }
    return String.format(NUMBERS, "%.3e", v);
  }

  /**
   * {@code v} with one decimal, as {@code String.format("%.1f", v)} writes it but without the
   * formatter's cost, for the plot's coordinates (finite, far below 1e15). A value halfway between
   * two tenths may round the other way than the formatter's, a tenth of a pixel nobody sees.
   */
  static StringBuilder fixed1(StringBuilder sb, double v) {
    if (!(Math.abs(v) < 1e15)) {
      return sb.append(String.format(NUMBERS, "%.1f", v));
    }
    long t = Math.round(Math.abs(v) * 10);
    if (v < 0 && t != 0) {
      sb.append('-');
    }
    return sb.append(t / 10).append('.').append(t % 10);
  }

  static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
