package dev.quiver.dsl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class LossPlotTest {

  @Test
  void smallValuesKeepTheirDigits() {
    assertEquals("0.2558", LossPlot.value(0.25581));
    assertEquals("4.500e-05", LossPlot.value(4.5e-5)); // not "0.0000"
    assertEquals("0.0000", LossPlot.value(0));
    assertEquals("1.27", LossPlot.tick(1.27));
    assertEquals("0.5", LossPlot.tick(0.5));
    assertEquals("4.50e-05", LossPlot.tick(4.5e-5));
    assertEquals("1234", LossPlot.tick(1234.4));
    assertEquals("0", LossPlot.tick(0));
  }

  @Test
  void numbersReadAsTheRootLocaleWritesThemWhateverTheDefaultLocale() {
    var was = java.util.Locale.getDefault();
    java.util.Locale.setDefault(java.util.Locale.GERMANY); // writes 0,2558
    try {
      var random = new java.util.SplittableRandom(7);
      for (int i = 0; i < 2000; i++) {
        double v = Math.scalb(random.nextDouble() * 2 - 1, random.nextInt(-30, 30));
        double a = Math.abs(v);
        String value =
            String.format(
                java.util.Locale.ROOT, a == 0 || (a >= 1e-3 && a < 1e6) ? "%.4f" : "%.3e", v);
        assertEquals(value, LossPlot.value(v));
        // An axis label: three significant digits (whole numbers from 1 000), a '.' whatever
        // the default locale says.
        double back = Double.parseDouble(LossPlot.tick(v));
        double tolerance = Math.max(a >= 1e3 && a < 1e5 ? 0.5 : 0, a * 5.01e-3);
        assertEquals(v, back, tolerance, "tick of " + v + ": " + LossPlot.tick(v));
      }
    } finally {
      java.util.Locale.setDefault(was);
    }
  }

  @Test
  void theLeftMarginFitsTheLongestLabel() {
    var series = new LinkedHashMap<String, double[]>();
    series.put("loss", new double[] {1.27, 0.3, 0.01, 4.5e-5});
    var svg = LossPlot.svg(series, 400, 180);
    // Every y label ends (text-anchor end) at x; it starts about 6.6 px per character earlier.
    var label =
        Pattern.compile("<text x=\"(\\d+)\" y=\"[\\d.]+\" text-anchor=\"end\"[^>]*>([^<]+)</text>")
            .matcher(svg);
    int labels = 0;
    while (label.find()) {
      labels++;
      int end = Integer.parseInt(label.group(1));
      assertTrue(end - 6.6 * label.group(2).length() >= 0, label.group(2) + " clipped: " + svg);
    }
    assertEquals(3, labels, svg);
    assertTrue(svg.contains(">4.50e-05<"), svg);
  }

  @Test
  void moreSeriesThanTheOldFourColours() {
    var series = new LinkedHashMap<String, double[]>();
    for (int i = 0; i < 7; i++) {
      series.put("s" + i, new double[] {i, i + 1});
    }
    var svg = LossPlot.svg(series, 400, 180);
    for (int i = 0; i < 7; i++) {
      assertTrue(svg.contains("stroke=\"" + LossPlot.COLORS[i] + "\""), svg);
    }
  }

  @Test
  void coordinatesAreWrittenAsTheFormatterWritesThem() {
    var random = new java.util.Random(7);
    for (int i = 0; i < 10_000; i++) {
      double v = random.nextDouble() * (i % 2 == 0 ? 500 : -500);
      String formatted = String.format(java.util.Locale.ROOT, "%.1f", v);
      String fast = LossPlot.fixed1(new StringBuilder(), v).toString();
      // The same text, but for a value halfway between two tenths, which may round either way.
      assertTrue(
          fast.equals(formatted) || Math.abs(Double.parseDouble(fast) - v) <= 0.05 + 1e-9,
          v + ": " + fast + " vs " + formatted);
    }
    assertEquals("0.0", LossPlot.fixed1(new StringBuilder(), -0.01).toString()); // not "-0.0"
    assertEquals("12.3", LossPlot.fixed1(new StringBuilder(), 12.34).toString());
    assertEquals("-7.0", LossPlot.fixed1(new StringBuilder(), -6.96).toString());
    assertEquals(
        String.format(java.util.Locale.ROOT, "%.1f", 1e20),
        LossPlot.fixed1(new StringBuilder(), 1e20).toString());
  }
}
