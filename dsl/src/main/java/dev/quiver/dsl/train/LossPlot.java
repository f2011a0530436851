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
    var sb =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                    + " font-family=\"sans-serif\" font-size=\"11\">"
                    + "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>",
                width,
                height,
                width,
                height));
    for (int i = 0; i < 3; i++) {
      double y = top + h * i / 2;
      sb.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
                  + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" dominant-baseline=\"middle\">"
                  + "%s</text>",
              left,
              y,
              left + w,
              y,
              i == 2 ? "#999" : "#e5e5e5",
              left - 5,
              y,
              labels[i]));
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%.1f\" stroke=\"#999\"/>"
                + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"middle\">1</text>"
                + "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%d</text>"
                + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">epoch</text>",
            left,
            top,
            left,
            top + h,
            left,
            top + h + 14,
            left + w,
            top + h + 14,
            Math.max(n, 1),
            left + w / 2,
            height - 4));
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
        sb.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
      }
      sb.append("\"/>");
      sb.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" fill=\"%s\" text-anchor=\"end\">%s</text>",
              left + w - 4,
              top + 12 + 13 * k,
              color,
              escape(e.getKey())));
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
      return String.format(Locale.ROOT, "%.0f", v);
    }
    if (a >= 1e-3 && a < 1e3) {
      var s = String.format(Locale.ROOT, "%.3g", v);
      return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }
    return String.format(Locale.ROOT, "%.2e", v);
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
      return String.format(Locale.ROOT, "%.4f", v);
    }
    return String.format(Locale.ROOT, "%.3e", v);
  }

  static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
