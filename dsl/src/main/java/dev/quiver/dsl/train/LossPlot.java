package dev.quiver.dsl.train;

import java.util.Locale;
import java.util.Map;

/**
 * A small line chart as inline SVG, drawn by hand so that it renders offline in every frontend
 * (classic Notebook, JupyterLab, nbconvert HTML) with no script. Used by the live progress view and
 * by {@link History}; publication plots belong to the plotting module.
 */
final class LossPlot {
  private static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"};

  private LossPlot() {}

  static String svg(Map<String, double[]> series, int width, int height) {
    int left = 50, right = 10, top = 10, bottom = 30;
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
      hi = lo + 1;
    }
    double w = width - left - right, h = height - top - bottom;
    var sb =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">",
                width,
                height));
    sb.append(
        String.format(
            Locale.ROOT,
            "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#ccc\"/>",
            left,
            top,
            w,
            h));
    sb.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.3g</text>",
            left - 4,
            top + 10,
            hi));
    sb.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%.0f\" text-anchor=\"end\">%.3g</text>",
            left - 4,
            top + h,
            lo));
    sb.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%.0f\" y=\"%d\" text-anchor=\"middle\">epoch (1..%d)</text>",
            left + w / 2,
            height - 8,
            n));
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
              "<text x=\"%.0f\" y=\"%d\" fill=\"%s\" text-anchor=\"end\">%s</text>",
              left + w - 4,
              top + 14 + 13 * k,
              color,
              e.getKey()));
      k++;
    }
    return sb.append("</svg>").toString();
  }
}
