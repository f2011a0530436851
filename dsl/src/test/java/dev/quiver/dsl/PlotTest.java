package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.display.MimeBundle;
import dev.quiver.dsl.data.Datasets;
import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.optim.Adam;
import dev.quiver.dsl.plot.Plot;
import dev.quiver.dsl.train.Fit;
import dev.quiver.runtime.Tensor;
import java.io.ByteArrayInputStream;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class PlotTest {
  private static void assertPng(Plot p, int w, int h) throws Exception {
    MimeBundle b = p.toMimeBundle();
    assertTrue(b.has(MimeBundle.IMAGE_PNG));
    var img = ImageIO.read(new ByteArrayInputStream(p.png()));
    assertEquals(w, img.getWidth());
    assertEquals(h, img.getHeight());
  }

  @Test
  void historyDecisionBoundaryAndLossSurfaceRenderAsPng() throws Exception {
    var moons = Datasets.moons(200, 0.1, 1);
    var model = Sequential.of(Dense.of(8).relu(), Dense.of(2)).seed(1);
    var h =
        model.fit(
            moons,
            Fit.epochs(5)
                .batch(32)
                .optimizer(Adam.lr(0.02))
                .loss(Loss.crossEntropy())
                .validationSplit(0.2)
                .quiet());
    assertPng(Plot.history(h), 560, 360);
    assertPng(Plot.decisionBoundary(model, moons).size(400, 300), 400, 300);
    assertPng(Plot.scatter(moons), 560, 360);
    double[][] path = {{1.5, 0.8}, {1.0, -0.5}, {0.5, 0.3}, {0.1, -0.1}, {0, 0}};
    assertPng(
        Plot.lossSurface((x, y) -> x * x + 10 * y * y, -2, 2, -1, 1).path("GD", path), 560, 360);
  }

  /** The colour drawn at the centre of a heatmap's cell (row, column). */
  private static int cellColour(Plot p, int row, int column, int w, int h) {
    var info = new org.jfree.chart.ChartRenderingInfo();
    var img = p.chart().createBufferedImage(w, h, info);
    var area = info.getPlotInfo().getDataArea();
    var xy = p.chart().getXYPlot();
    double x =
        xy.getDomainAxis().valueToJava2D(column, area, org.jfree.chart.ui.RectangleEdge.BOTTOM);
    double y = xy.getRangeAxis().valueToJava2D(row, area, org.jfree.chart.ui.RectangleEdge.LEFT);
    // Beside the centre, off the value written there.
    return img.getRGB((int) x - 12, (int) y + 2) & 0xffffff;
  }

  private static int brightness(int rgb) {
    return ((rgb >> 16) & 255) + ((rgb >> 8) & 255) + (rgb & 255);
  }

  @Test
  void heatmapColoursEachCellByItsValueRowZeroAtTheTop() throws Exception {
    var m = Tensor.of(new float[] {0, 1, 2, 3, 4, 9}, 2, 3);
    var p = Plot.heatmap("m", m, List.of("a", "b"), List.of("x", "y", "z")).labels("key", "query");
    assertPng(p, 320, 240);
    int low = cellColour(p, 0, 0, 400, 300);
    int high = cellColour(p, 1, 2, 400, 300);
    assertEquals(0xf7fbff, low, "the lowest value is white-blue, at the top left");
    assertEquals(0x08306b, high, "the highest is dark blue, at the bottom right");
    assertTrue(
        brightness(cellColour(p, 1, 0, 400, 300)) < brightness(cellColour(p, 0, 2, 400, 300)));
    // One format for every cell, fitting the largest value: a tiny weight reads 0.00, not 1.5e-08.
    var attention = Plot.heatmap("a", new double[][] {{0.07, 1.5e-8}, {0.5, 0.43}}, null, null);
    var texts =
        ((org.jfree.chart.renderer.xy.AbstractXYItemRenderer)
                attention.chart().getXYPlot().getRenderer())
            .getAnnotations().stream()
                .map(a -> ((org.jfree.chart.annotations.XYTextAnnotation) a).getText())
                .toList();
    assertEquals(List.of("0.07", "0.00", "0.50", "0.43"), texts);
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> Plot.heatmap("t", Tensor.zeros(2, 2, 2)));
    assertTrue(e.getMessage().contains("[2,2,2]"), e.getMessage());
    var labels =
        assertThrows(
            IllegalArgumentException.class, () -> Plot.heatmap("t", m, List.of("only one"), null));
    assertTrue(labels.getMessage().contains("1 row labels for 2 rows"), labels.getMessage());
  }

  @Test
  void linesOverGivenXAndTenColours() throws Exception {
    double[] x = {0.001, 0.01, 0.1, 1, 10};
    var series = new java.util.LinkedHashMap<String, double[]>();
    for (int i = 0; i < 10; i++) {
      series.put("s" + i, new double[] {i, i + 1, i + 2, i + 3, i + 4});
    }
    var p = Plot.lines("lr sweep", "learning rate", "loss", x, series);
    assertPng(p, 560, 360);
    var range = p.chart().getXYPlot().getDomainAxis().getRange();
    assertTrue(range.contains(0.001) && range.contains(10), range.toString());
    var r = p.chart().getXYPlot().getRenderer();
    var colours = new java.util.HashSet<Object>();
    for (int i = 0; i < 10; i++) {
      colours.add(r.getSeriesPaint(i));
    }
    assertEquals(10, colours.size(), "ten series, ten colours");
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Plot.lines("t", "x", "y", x, java.util.Map.of("short", new double[] {1, 2})));
    assertTrue(e.getMessage().contains("\"short\" has 2 values but x has 5"), e.getMessage());
  }

  @Test
  void histogramCountsEveryValueInItsBins() throws Exception {
    Tensor.manualSeed(3);
    var values = Tensor.randn(1000);
    var p = Plot.histogram("weights", values, 20);
    assertPng(p, 560, 360);
    var data = p.chart().getXYPlot().getDataset();
    assertEquals(20, data.getItemCount(0));
    double total = 0;
    for (int i = 0; i < 20; i++) {
      total += data.getYValue(0, i);
    }
    assertEquals(1000, total, 1e-9);
    assertThrows(IllegalArgumentException.class, () -> Plot.histogram("w", values, 0));
  }

  @Test
  void barsOnePerLabelWithAReferenceLine() throws Exception {
    var p =
        Plot.bars(
                "accuracy",
                "sparsity",
                "test accuracy",
                List.of("0%", "50%", "90%"),
                new double[] {0.97, 0.9, 0.4})
            .reference("chance (1/3)", 1.0 / 3);
    var plot = p.chart().getXYPlot();
    var data = plot.getDataset();
    assertEquals(3, data.getItemCount(0));
    assertEquals(0.9, data.getYValue(0, 1), 1e-12);
    assertEquals("50%", ((org.jfree.chart.axis.SymbolAxis) plot.getDomainAxis()).valueToString(1));
    assertEquals(1, plot.getRangeMarkers(org.jfree.chart.ui.Layer.FOREGROUND).size());
    assertEquals(0.0, plot.getRangeAxis().getLowerBound(), 1e-12);
    var png = ImageIO.read(new ByteArrayInputStream(p.png()));
    assertEquals(p.toMimeBundle().metadata().isEmpty(), false);
    assertTrue(png.getWidth() >= 320);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Plot.bars("t", "x", "y", List.of("a"), new double[] {1, 2}));
    assertEquals("Plot.bars: 1 labels for 2 values", e.getMessage());
  }

  @Test
  void histogramFractionsSumToOne() {
    Tensor.manualSeed(4);
    var p = Plot.histogram("errors", Tensor.rand(500), 10).fractions().reference("uniform", 0.1);
    var data = p.chart().getXYPlot().getDataset();
    double total = 0;
    for (int i = 0; i < 10; i++) {
      total += data.getYValue(0, i);
    }
    assertEquals(1.0, total, 1e-9);
    assertEquals("fraction", p.chart().getXYPlot().getRangeAxis().getLabel());
    var e =
        assertThrows(
            IllegalStateException.class,
            () -> Plot.bars("b", "x", "y", List.of("a"), new double[] {1}).fractions());
    assertEquals("Plot.fractions: only a histogram has bins; \"b\" is not one", e.getMessage());
  }
}
