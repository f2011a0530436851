package dev.quiver.dsl.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.util.List;
import java.util.Map;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.statistics.HistogramDataset;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The XY plots behind {@link Plot}'s heatmaps, histograms and lines over given x values. */
final class Charts {

  private Charts() {}

  /** Lines through (x[i], ys[i]) per named series; every series as long as x. */
  static XYPlot lines(String xLabel, String yLabel, double[] x, Map<String, double[]> series) {
    var data = new XYSeriesCollection();
    series.forEach(
        (name, ys) -> {
          if (x != null && ys.length != x.length) {
            throw new IllegalArgumentException(
                "Plot.lines: series \""
                    + name
                    + "\" has "
                    + ys.length
                    + " values but x has "
                    + x.length);
          }
          var s = new XYSeries(name, false);
          for (int i = 0; i < ys.length; i++) {
            double xi = x == null ? i + 1 : x[i];
            if (Double.isFinite(ys[i]) && Double.isFinite(xi)) {
              s.add(xi, ys[i]);
            }
          }
          data.addSeries(s);
        });
    var renderer = new XYLineAndShapeRenderer(true, false);
    for (int i = 0; i < series.size(); i++) {
      renderer.setSeriesPaint(i, Plot.PALETTE[i % Plot.PALETTE.length]);
      renderer.setSeriesStroke(i, new BasicStroke(2f));
    }
    var xAxis = new NumberAxis(xLabel);
    xAxis.setAutoRangeIncludesZero(false);
    var y = new NumberAxis(yLabel);
    y.setAutoRangeIncludesZero(false);
    return new XYPlot(data, xAxis, y, renderer);
  }

  /**
   * A matrix as coloured cells, row 0 at the top; each cell's value written in it when the matrix
   * is small enough to read them (up to 16 x 16).
   */
  static XYPlot heatmap(double[][] m, List<String> rowLabels, List<String> columnLabels) {
    int rows = m.length;
    int cols = rows == 0 ? 0 : m[0].length;
    if (rows == 0 || cols == 0) {
      throw new IllegalArgumentException("Plot.heatmap: the matrix is empty");
    }
    checkLabels("row", rowLabels, rows);
    checkLabels("column", columnLabels, cols);
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    double[][] xyz = new double[3][rows * cols];
    for (int i = 0; i < rows; i++) {
      if (m[i].length != cols) {
        throw new IllegalArgumentException(
            "Plot.heatmap: row " + i + " has " + m[i].length + " values, row 0 has " + cols);
      }
      for (int j = 0; j < cols; j++) {
        int k = i * cols + j;
        xyz[0][k] = j;
        xyz[1][k] = i;
        xyz[2][k] = m[i][j];
        if (Double.isFinite(m[i][j])) {
          lo = Math.min(lo, m[i][j]);
          hi = Math.max(hi, m[i][j]);
        }
      }
    }
    if (!(lo <= hi)) {
      lo = 0;
      hi = 1;
    }
    var data = new DefaultXYZDataset();
    data.addSeries("values", xyz);
    var renderer = new XYBlockRenderer();
    renderer.setDefaultSeriesVisibleInLegend(false);
    var scale = new Sequential(lo, hi > lo ? hi : lo + 1);
    renderer.setPaintScale(scale);
    var plot = new XYPlot(data, axis(columnLabels, cols), axis(rowLabels, rows), renderer);
    plot.getRangeAxis().setInverted(true); // row 0 at the top, as a matrix is written
    plot.setDomainGridlinesVisible(false);
    plot.setRangeGridlinesVisible(false);
    plot.setOutlineVisible(false);
    if (rows <= 16 && cols <= 16) {
      var font = new Font(Font.SANS_SERIF, Font.PLAIN, rows <= 8 && cols <= 8 ? 12 : 9);
      var format = formatFor(m);
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
          var note = new XYTextAnnotation(format.apply(m[i][j]), j, i);
          note.setFont(font);
          note.setPaint(scale.dark(m[i][j]) ? Color.WHITE : Color.BLACK);
          renderer.addAnnotation(note);
        }
      }
    }
    return plot;
  }

  /** Values counted into equal bins between their smallest and largest. */
  static XYPlot histogram(String name, double[] values, int bins) {
    if (bins < 1) {
      throw new IllegalArgumentException("Plot.histogram: bins must be at least 1, got " + bins);
    }
    double[] finite = java.util.Arrays.stream(values).filter(Double::isFinite).toArray();
    if (finite.length == 0) {
      throw new IllegalArgumentException("Plot.histogram: no finite values among " + values.length);
    }
    double lo = java.util.Arrays.stream(finite).min().orElseThrow();
    double hi = java.util.Arrays.stream(finite).max().orElseThrow();
    if (hi <= lo) {
      lo -= 0.5;
      hi += 0.5;
    }
    var data = new HistogramDataset();
    data.addSeries(name, finite, bins, lo, hi);
    var renderer = new XYBarRenderer(0.05);
    renderer.setBarPainter(new StandardXYBarPainter());
    renderer.setShadowVisible(false);
    renderer.setSeriesPaint(0, Plot.PALETTE[0]);
    renderer.setDefaultSeriesVisibleInLegend(false);
    var x = new NumberAxis(name);
    x.setAutoRangeIncludesZero(false);
    return new XYPlot(data, x, new NumberAxis("count"), renderer);
  }

  /** One bar per label at x = 0, 1, ..., each with its value written above it. */
  static XYPlot bars(String xLabel, String yLabel, List<String> labels, double[] values) {
    if (labels.size() != values.length) {
      throw new IllegalArgumentException(
          "Plot.bars: " + labels.size() + " labels for " + values.length + " values");
    }
    if (values.length == 0) {
      throw new IllegalArgumentException("Plot.bars: no values");
    }
    var series = new XYSeries("values", false, true);
    for (int i = 0; i < values.length; i++) {
      if (!Double.isFinite(values[i])) {
        throw new IllegalArgumentException(
            "Plot.bars: value " + i + " (\"" + labels.get(i) + "\") is " + values[i]);
      }
      series.add(i, values[i]);
    }
    var data = new org.jfree.data.xy.XYSeriesCollection(series);
    data.setIntervalWidth(0.7);
    var renderer = new XYBarRenderer(0.0);
    renderer.setBarPainter(new StandardXYBarPainter());
    renderer.setShadowVisible(false);
    renderer.setSeriesPaint(0, Plot.PALETTE[0]);
    renderer.setDefaultSeriesVisibleInLegend(false);
    var format = new java.text.DecimalFormat("0.###");
    renderer.setDefaultItemLabelGenerator(
        new org.jfree.chart.labels.StandardXYItemLabelGenerator("{2}", format, format));
    renderer.setDefaultItemLabelsVisible(true);
    renderer.setDefaultPositiveItemLabelPosition(
        new org.jfree.chart.labels.ItemLabelPosition(
            org.jfree.chart.labels.ItemLabelAnchor.OUTSIDE12,
            org.jfree.chart.ui.TextAnchor.BOTTOM_CENTER));
    var x = new org.jfree.chart.axis.SymbolAxis(xLabel, labels.toArray(String[]::new));
    x.setGridBandsVisible(false);
    var y = new NumberAxis(yLabel);
    y.setAutoRangeIncludesZero(true);
    y.setUpperMargin(0.12); // room for the values above the bars
    return new XYPlot(data, x, y, renderer);
  }

  private static void checkLabels(String what, List<String> labels, int n) {
    if (labels != null && labels.size() != n) {
      throw new IllegalArgumentException(
          "Plot.heatmap: " + labels.size() + " " + what + " labels for " + n + " " + what + "s");
    }
  }

  private static ValueAxis axis(List<String> labels, int n) {
    ValueAxis a;
    if (labels != null) {
      a = new SymbolAxis(null, labels.toArray(String[]::new));
      ((SymbolAxis) a).setGridBandsVisible(false);
    } else {
      var numbers = new NumberAxis(null);
      numbers.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
      a = numbers;
    }
    a.setRange(-0.5, n - 0.5);
    return a;
  }

  /**
   * One format for every cell, so the values line up and fit: integers as integers; else as many
   * decimals as the largest magnitude leaves room for (0.07, 12.5, 340), scientific only for a
   * matrix of tiny or huge values.
   */
  private static java.util.function.DoubleFunction<String> formatFor(double[][] m) {
    boolean integers = true;
    double max = 0;
    for (double[] row : m) {
      for (double v : row) {
        if (Double.isFinite(v)) {
          integers &= v == Math.rint(v);
          max = Math.max(max, Math.abs(v));
        }
      }
    }
    if (integers && max < 1e6) {
      return v -> Double.isFinite(v) ? Long.toString((long) v) : Double.toString(v);
    }
    String f =
        max != 0 && (max < 0.01 || max >= 1e5)
            ? "%.1e"
            : max >= 100 ? "%.0f" : max >= 10 ? "%.1f" : "%.2f";
    return v -> String.format(java.util.Locale.ROOT, f, v);
  }

  /** White (lowest) through blue to dark navy (highest). */
  record Sequential(double lo, double hi) implements PaintScale {
    @Override
    public double getLowerBound() {
      return lo;
    }

    @Override
    public double getUpperBound() {
      return hi;
    }

    double t(double v) {
      return Double.isFinite(v) ? Math.max(0, Math.min(1, (v - lo) / (hi - lo))) : 0;
    }

    boolean dark(double v) {
      return t(v) > 0.55;
    }

    @Override
    public Paint getPaint(double v) {
      double t = t(v);
      // From (247, 251, 255) to (8, 48, 107), as a sequential blue scale runs.
      return new Color(
          (int) Math.round(247 + t * (8 - 247)),
          (int) Math.round(251 + t * (48 - 251)),
          (int) Math.round(255 + t * (107 - 255)));
    }
  }
}
