package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.display.MimeBundle;
import dev.quiver.dsl.data.Datasets;
import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.optim.Adam;
import dev.quiver.dsl.plot.Plot;
import dev.quiver.dsl.train.Fit;
import java.io.ByteArrayInputStream;
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
}
