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
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Charts for notebooks, drawn with JFreeChart and shown as PNG through the display contract, so
 * they render offline in the classic Notebook, JupyterLab and nbconvert HTML alike.
 *
 * <pre>{@code
 * Plot.history(history);                          // loss (and val_loss) per epoch
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
    new Color(140, 86, 75)
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

  /** Lines over x = 1, 2, ...: one per named series. */
  public static Plot lines(
      String title, String xLabel, String yLabel, Map<String, double[]> series) {
    var data = new XYSeriesCollection();
    series.forEach(
        (name, ys) -> {
          var s = new XYSeries(name);
          for (int i = 0; i < ys.length; i++) {
            if (Double.isFinite(ys[i])) {
              s.add(i + 1, ys[i]);
            }
          }
          data.addSeries(s);
        });
    var renderer = new XYLineAndShapeRenderer(true, false);
    for (int i = 0; i < series.size(); i++) {
      renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
      renderer.setSeriesStroke(i, new BasicStroke(2f));
    }
    var y = new NumberAxis(yLabel);
    y.setAutoRangeIncludesZero(false);
    return new Plot(title, new XYPlot(data, new NumberAxis(xLabel), y, renderer));
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
   * A function of two parameters shaded over a rectangle (darker is lower), to draw optimizer paths
   * on with {@link #path}.
   */
  public static Plot lossSurface(
      DoubleBinaryOperator f, double xMin, double xMax, double yMin, double yMax) {
    int g = 100;
    double sx = (xMax - xMin) / (g - 1), sy = (yMax - yMin) / (g - 1);
    double[][] xyz = new double[3][g * g];
    double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < g; i++) {
      for (int j = 0; j < g; j++) {
        int k = i * g + j;
        xyz[0][k] = xMin + i * sx;
        xyz[1][k] = yMin + j * sy;
        // log scale: the interesting part of a loss surface is near its minimum.
        xyz[2][k] = Math.log1p(Math.max(0, f.applyAsDouble(xyz[0][k], xyz[1][k])));
        lo = Math.min(lo, xyz[2][k]);
        hi = Math.max(hi, xyz[2][k]);
      }
    }
    var surface = new DefaultXYZDataset();
    surface.addSeries("loss", xyz);
    var block = new XYBlockRenderer();
    block.setDefaultSeriesVisibleInLegend(false);
    block.setBlockWidth(sx);
    block.setBlockHeight(sy);
    block.setPaintScale(new ContourScale(lo, hi > lo ? hi : lo + 1, 12));
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

  /** Bands of grey from dark (low) to light (high): a filled contour plot. */
  private record ContourScale(double lo, double hi, int bands) implements PaintScale {
    public double getLowerBound() {
      return lo;
    }

    public double getUpperBound() {
      return hi;
    }

    public Paint getPaint(double v) {
      double t = Math.max(0, Math.min(1, (v - lo) / (hi - lo)));
      int band = Math.min(bands - 1, (int) (t * bands));
      int g = 90 + (int) (160.0 * band / (bands - 1));
      return new Color(g, g, Math.min(255, g + 20));
    }
  }
}
