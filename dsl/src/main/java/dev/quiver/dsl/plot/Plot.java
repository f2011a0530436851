package dev.quiver.dsl.plot;

import dev.quiver.display.Displayable;
import dev.quiver.display.MimeBundle;
import dev.quiver.dsl.Model;
import dev.quiver.dsl.OutputHead;
import dev.quiver.dsl.data.Dataset;
import dev.quiver.dsl.train.History;
import dev.quiver.runtime.Tensor;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Paint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleBinaryOperator;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Charts for notebooks, drawn with JFreeChart and shown as PNG through the display contract, so
 * they render offline in the classic Notebook, JupyterLab and nbconvert HTML alike.
 *
 * <pre>{@code
 * Plot.history(history);                          // loss (and val_loss) per epoch
 * Plot.heatmap("attention", weights);             // a matrix as coloured cells
 * Plot.histogram("layer 1 weights", w);           // how values are spread
 * Plot.decisionBoundary(model, moons);            // class regions behind the points
 * Plot.lossSurface((x, y) -> x * x + 10 * y * y, -2, 2, -1, 1)
 *     .path("SGD", sgdPoints).path("Adam", adamPoints);
 * }</pre>
 */
public final class Plot implements Displayable {
  static {
    // Charts are rendered off screen; a notebook server usually has no display.
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  static final Color[] PALETTE = {
    new Color(31, 119, 180),
    new Color(255, 127, 14),
    new Color(44, 160, 44),
    new Color(214, 39, 40),
    new Color(148, 103, 189),
    new Color(140, 86, 75),
    new Color(227, 119, 194),
    new Color(127, 127, 127),
    new Color(188, 189, 34),
    new Color(23, 190, 207)
  };

  private final JFreeChart chart;
  private final XYPlot plot;
  private final String title;
  private int width = 560;
  private int height = 360;
  private int paths;

  private Plot(String title, XYPlot plot) {
    this.title = title;
    this.plot = plot;
    this.chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
    chart.setBackgroundPaint(Color.WHITE);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(new Color(220, 220, 220));
    plot.setRangeGridlinePaint(new Color(220, 220, 220));
  }

  /** Lines over x = 1, 2, ...: one per named series (up to ten colours, then they repeat). */
  public static Plot lines(
      String title, String xLabel, String yLabel, Map<String, double[]> series) {
    return new Plot(title, Charts.lines(xLabel, yLabel, null, series));
  }

  /** Lines through (x[i], y[i]): one per named series, each as long as {@code x}. */
  public static Plot lines(
      String title, String xLabel, String yLabel, double[] x, Map<String, double[]> series) {
    return new Plot(title, Charts.lines(xLabel, yLabel, x.clone(), series));
  }

  /**
   * A 2-D tensor as a grid of coloured cells (white lowest, dark blue highest), row 0 at the top,
   * with a colour bar; small matrices have each value written in its cell. Attention maps,
   * confusion matrices, weight matrices.
   */
  public static Plot heatmap(String title, Tensor matrix) {
    return heatmap(title, matrix, null, null);
  }

  /** A heatmap with a label for each row and each column (null: their indices). */
  public static Plot heatmap(
      String title, Tensor matrix, List<String> rowLabels, List<String> columnLabels) {
    if (matrix.dim() != 2) {
      throw new IllegalArgumentException(
          "Plot.heatmap: needs a 2-D tensor [rows, columns], got shape " + matrix.shapeString());
    }
    int rows = (int) matrix.size(0);
    int cols = (int) matrix.size(1);
    double[] v = matrix.toDoubleArray();
    double[][] m = new double[rows][cols];
    for (int i = 0; i < rows; i++) {
      System.arraycopy(v, i * cols, m[i], 0, cols);
    }
    return heatmap(title, m, rowLabels, columnLabels);
  }

  /** A heatmap of {@code m[row][column]}. */
  public static Plot heatmap(
      String title, double[][] m, List<String> rowLabels, List<String> columnLabels) {
    var p = new Plot(title, Charts.heatmap(m, rowLabels, columnLabels));
    var scale = ((XYBlockRenderer) p.plot.getRenderer()).getPaintScale();
    var bar = new PaintScaleLegend(scale, new NumberAxis(null));
    bar.setPosition(RectangleEdge.RIGHT);
    bar.setMargin(4, 8, 4, 4);
    bar.setStripWidth(12);
    p.chart.removeLegend();
    p.chart.addSubtitle(bar);
    int cols = m[0].length;
    int rows = m.length;
    p.width = Math.max(320, Math.min(900, 150 + 52 * cols));
    p.height = Math.max(240, Math.min(900, 110 + 40 * rows));
    return p;
  }

  /** A histogram of a tensor's values (weights, activations) in 30 bins. */
  public static Plot histogram(String title, Tensor values) {
    return histogram(title, values, 30);
  }

  /** A histogram of a tensor's values in {@code bins} equal bins from their least to greatest. */
  public static Plot histogram(String title, Tensor values, int bins) {
    var p = new Plot(title, Charts.histogram("value", values.toDoubleArray(), bins));
    p.chart.removeLegend();
    return p;
  }

  /**
   * Bars, one per label in order (accuracy per setting, a count per class), each value written
   * above its bar; the y axis starts at zero.
   */
  public static Plot bars(
      String title, String xLabel, String yLabel, List<String> labels, double[] values) {
    var p = new Plot(title, Charts.bars(xLabel, yLabel, labels, values));
    p.chart.removeLegend();
    p.width = Math.max(360, Math.min(900, 120 + 64 * values.length));
    return p;
  }

  /**
   * Shows a histogram's bars as the fraction of the values in each bin (they sum to 1) instead of
   * counts.
   */
  public Plot fractions() {
    if (!(plot.getDataset() instanceof org.jfree.data.statistics.HistogramDataset h)) {
      throw new IllegalStateException(
          "Plot.fractions: only a histogram has bins; \"" + title + "\" is not one");
    }
    h.setType(org.jfree.data.statistics.HistogramType.RELATIVE_FREQUENCY);
    plot.getRangeAxis().setLabel("fraction");
    return this;
  }

  /**
   * A dashed horizontal line at {@code y}, labelled (a chance level, a uniform share); the y axis
   * stretches to show it.
   */
  public Plot reference(String label, double y) {
    if (!Double.isFinite(y)) {
      throw new IllegalArgumentException("Plot.reference: \"" + label + "\" at y = " + y);
    }
    var marker =
        new org.jfree.chart.plot.ValueMarker(
            y,
            PALETTE[3],
            new BasicStroke(
                1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
    marker.setLabel(label);
    marker.setLabelPaint(PALETTE[3]);
    marker.setLabelFont(new java.awt.Font("SansSerif", java.awt.Font.PLAIN, 11));
    marker.setLabelAnchor(org.jfree.chart.ui.RectangleAnchor.TOP_RIGHT);
    marker.setLabelTextAnchor(org.jfree.chart.ui.TextAnchor.BOTTOM_RIGHT);
    plot.addRangeMarker(marker);
    if (plot.getRangeAxis() instanceof NumberAxis axis) {
      var range = axis.getRange();
      if (y > range.getUpperBound() || y < range.getLowerBound()) {
        axis.setRange(
            Math.min(range.getLowerBound(), y),
            Math.max(range.getUpperBound(), y + 0.05 * Math.max(Math.abs(y), 1e-9)));
      }
    }
    return this;
  }

  /** Names the axes (a heatmap's: columns, then rows). */
  public Plot labels(String xLabel, String yLabel) {
    plot.getDomainAxis().setLabel(xLabel);
    plot.getRangeAxis().setLabel(yLabel);
    return this;
  }

  /** Loss and validation loss per epoch. */
  public static Plot history(History h) {
    return history(
        h,
        h.epochs().getFirst().containsKey("val_loss")
            ? new String[] {"loss", "val_loss"}
            : new String[] {"loss"});
  }

  /** Chosen entries of a history per epoch, e.g. {@code "accuracy", "val_accuracy"}. */
  public static Plot history(History h, String... entries) {
    var series = new java.util.LinkedHashMap<String, double[]>();
    for (String e : entries) {
      series.put(e, h.get(e));
    }
    return lines("Training history", "epoch", String.join(", ", entries), series);
  }

  /** The points of a 2-D data set, coloured by class. */
  public static Plot scatter(Dataset data) {
    var plot =
        new XYPlot(points(data), axis(data, 0), axis(data, 1), pointRenderer(data.numClasses()));
    return new Plot("Data", plot);
  }

  /**
   * The class the model predicts at every point of a grid over the data (as shaded regions), with
   * the data's points on top: what a 2-D classifier has learned.
   */
  public static Plot decisionBoundary(Model model, Dataset data) {
    checkTwoD(data);
    float[] xs = data.x().toFloatArray();
    double[] r = range(xs);
    int g = 120;
    double sx = (r[1] - r[0]) / (g - 1), sy = (r[3] - r[2]) / (g - 1);
    float[] grid = new float[2 * g * g];
    double[][] xyz = new double[3][g * g];
    for (int i = 0; i < g; i++) {
      for (int j = 0; j < g; j++) {
        int k = i * g + j;
        xyz[0][k] = r[0] + i * sx;
        xyz[1][k] = r[2] + j * sy;
        grid[2 * k] = (float) xyz[0][k];
        grid[2 * k + 1] = (float) xyz[1][k];
      }
    }
    Tensor out = model.predict(Tensor.of(grid, (long) g * g, 2));
    float[] o = out.toFloatArray();
    int width = (int) (out.numel() / ((long) g * g));
    double threshold = OutputHead.of(model) == OutputHead.SIGMOID ? 0.5 : 0;
    int classes = Math.max(data.numClasses(), Math.max(width, 2));
    for (int k = 0; k < g * g; k++) {
      int best = 0;
      if (width == 1) {
        best = o[k] > threshold ? 1 : 0;
      } else {
        for (int c = 1; c < width; c++) {
          if (o[k * width + c] > o[k * width + best]) {
            best = c;
          }
        }
      }
      xyz[2][k] = best;
    }
    var regions = new DefaultXYZDataset();
    regions.addSeries("prediction", xyz);
    var block = new XYBlockRenderer();
    block.setDefaultSeriesVisibleInLegend(false);
    block.setBlockWidth(sx);
    block.setBlockHeight(sy);
    block.setPaintScale(classScale(classes));
    var plot = new XYPlot(points(data), axis(data, 0), axis(data, 1), pointRenderer(classes));
    plot.setDataset(1, regions);
    plot.setRenderer(1, block);
    plot.setDatasetRenderingOrder(org.jfree.chart.plot.DatasetRenderingOrder.REVERSE);
    var p = new Plot("Decision boundary", plot);
    p.chart.getLegend().setVisible(true);
    return p;
  }

  /**
   * A function of two parameters shaded over a rectangle (darker is lower, on a log scale) with
   * contour lines, to draw optimizer paths on with {@link #path}.
   */
  public static Plot lossSurface(
      DoubleBinaryOperator f, double xMin, double xMax, double yMin, double yMax) {
    if (!(xMax > xMin) || !(yMax > yMin)) {
      throw new IllegalArgumentException(
          "Plot.lossSurface: needs xMin < xMax and yMin < yMax, got x ["
              + xMin
              + ", "
              + xMax
              + "], y ["
              + yMin
              + ", "
              + yMax
              + "]");
    }
    int g = 160;
    double sx = (xMax - xMin) / (g - 1), sy = (yMax - yMin) / (g - 1);
    double[][] xyz = new double[3][g * g];
    double[][] z = new double[g][g];
    double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < g; i++) {
      for (int j = 0; j < g; j++) {
        int k = i * g + j;
        xyz[0][k] = xMin + i * sx;
        xyz[1][k] = yMin + j * sy;
        // log scale: the interesting part of a loss surface is near its minimum.
        xyz[2][k] = Math.log1p(Math.max(0, f.applyAsDouble(xyz[0][k], xyz[1][k])));
        z[i][j] = xyz[2][k];
        if (Double.isFinite(z[i][j])) {
          lo = Math.min(lo, z[i][j]);
          hi = Math.max(hi, z[i][j]);
        }
      }
    }
    if (!(hi > lo)) {
      hi = lo + 1;
    }
    var surface = new DefaultXYZDataset();
    surface.addSeries("loss", xyz);
    var block = new XYBlockRenderer();
    block.setDefaultSeriesVisibleInLegend(false);
    block.setBlockWidth(sx);
    block.setBlockHeight(sy);
    block.setPaintScale(new Shade(lo, hi));
    var line = new BasicStroke(0.7f);
    var ink = new Color(255, 255, 255, 150);
    for (double[] seg : Contours.segments(z, xMin, sx, yMin, sy, lo, hi, 12)) {
      block.addAnnotation(
          new org.jfree.chart.annotations.XYLineAnnotation(
              seg[0], seg[1], seg[2], seg[3], line, ink));
    }
    var plot =
        new XYPlot(
            new XYSeriesCollection(),
            new NumberAxis("θ₁"),
            new NumberAxis("θ₂"),
            new XYLineAndShapeRenderer(true, true));
    plot.getDomainAxis().setRange(xMin, xMax);
    plot.getRangeAxis().setRange(yMin, yMax);
    plot.setDataset(1, surface);
    plot.setRenderer(1, block);
    plot.setDatasetRenderingOrder(org.jfree.chart.plot.DatasetRenderingOrder.REVERSE);
    return new Plot("Loss surface", plot);
  }

  /** Adds an optimizer trajectory: points {@code [step][θ₁, θ₂]}. */
  public Plot path(String name, double[][] points) {
    var data = (XYSeriesCollection) plot.getDataset(0);
    var s = new XYSeries(name, false);
    for (double[] p : points) {
      s.add(p[0], p[1]);
    }
    data.addSeries(s);
    var r = (XYLineAndShapeRenderer) plot.getRenderer(0);
    r.setSeriesPaint(paths, PALETTE[paths % PALETTE.length]);
    r.setSeriesStroke(paths, new BasicStroke(1.5f));
    r.setSeriesShape(paths, new java.awt.geom.Ellipse2D.Double(-2, -2, 4, 4));
    paths++;
    return this;
  }

  public Plot size(int w, int h) {
    this.width = w;
    this.height = h;
    return this;
  }

  /** The underlying chart, for anything this class does not offer. */
  public JFreeChart chart() {
    return chart;
  }

  public byte[] png() {
    var out = new ByteArrayOutputStream();
    try {
      ChartUtils.writeChartAsPNG(out, chart, width, height);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public void savePng(Path file) {
    try {
      Files.write(file, png());
    } catch (IOException e) {
      throw new UncheckedIOException("Plot: cannot write " + file, e);
    }
  }

  @Override
  public MimeBundle toMimeBundle() {
    return MimeBundle.png(png(), toString()).withImageSize(MimeBundle.IMAGE_PNG, width, height);
  }

  @Override
  public String toString() {
    return "Plot: " + title + " (" + width + "x" + height + " PNG)";
  }

  // ---------------------------------------------------------------- helpers

  private static void checkTwoD(Dataset d) {
    if (d.x().dim() != 2 || d.x().size(1) != 2) {
      throw new IllegalArgumentException(
          "Plot: needs 2-D points [n, 2], got x of shape " + d.x().shapeString());
    }
  }

  private static XYSeriesCollection points(Dataset d) {
    checkTwoD(d);
    float[] x = d.x().toFloatArray();
    double[] y = d.y().toDoubleArray();
    int k = Math.max(2, d.numClasses());
    XYSeries[] series = new XYSeries[k];
    for (int c = 0; c < k; c++) {
      series[c] =
          new XYSeries(
              c < d.classNames().size() ? "class " + d.classNames().get(c) : "class " + c, false);
    }
    for (int i = 0; i < y.length; i++) {
      series[(int) Math.round(y[i])].add(x[2 * i], x[2 * i + 1]);
    }
    var data = new XYSeriesCollection();
    for (XYSeries s : series) {
      data.addSeries(s);
    }
    return data;
  }

  private static XYLineAndShapeRenderer pointRenderer(int classes) {
    var r = new XYLineAndShapeRenderer(false, true);
    for (int c = 0; c < classes; c++) {
      r.setSeriesPaint(c, PALETTE[c % PALETTE.length]);
      r.setSeriesShape(c, new java.awt.geom.Ellipse2D.Double(-3, -3, 6, 6));
    }
    return r;
  }

  private static NumberAxis axis(Dataset d, int i) {
    var a = new NumberAxis(i < d.featureNames().size() ? d.featureNames().get(i) : "x" + (i + 1));
    a.setAutoRangeIncludesZero(false);
    return a;
  }

  /** [xmin, xmax, ymin, ymax] of 2-D points, with a margin of 10%. */
  private static double[] range(float[] xy) {
    double[] r = {Double.MAX_VALUE, -Double.MAX_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE};
    for (int i = 0; i < xy.length; i += 2) {
      r[0] = Math.min(r[0], xy[i]);
      r[1] = Math.max(r[1], xy[i]);
      r[2] = Math.min(r[2], xy[i + 1]);
      r[3] = Math.max(r[3], xy[i + 1]);
    }
    double mx = 0.1 * (r[1] - r[0] + 1e-9), my = 0.1 * (r[3] - r[2] + 1e-9);
    return new double[] {r[0] - mx, r[1] + mx, r[2] - my, r[3] + my};
  }

  private static PaintScale classScale(int classes) {
    var s = new LookupPaintScale(-0.5, classes - 0.5, Color.WHITE);
    for (int c = 0; c < classes; c++) {
      Color base = PALETTE[c % PALETTE.length];
      // Pale versions of the point colours, so the points stay visible on their region.
      s.add(
          c - 0.5,
          new Color(
              (base.getRed() + 3 * 255) / 4,
              (base.getGreen() + 3 * 255) / 4,
              (base.getBlue() + 3 * 255) / 4));
    }
    return s;
  }

  /** Grey-blue from dark (low) to light (high), shading smoothly. */
  private record Shade(double lo, double hi) implements PaintScale {
    public double getLowerBound() {
      return lo;
    }

    public double getUpperBound() {
      return hi;
    }

    public Paint getPaint(double v) {
      double t = Double.isFinite(v) ? Math.max(0, Math.min(1, (v - lo) / (hi - lo))) : 1;
      int g = 60 + (int) Math.round(190 * t);
      return new Color(g, g, Math.min(255, g + 25));
    }
  }
}
