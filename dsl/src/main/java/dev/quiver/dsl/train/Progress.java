package dev.quiver.dsl.train;

import dev.quiver.display.Display;
import dev.quiver.display.Displayable;
import dev.quiver.display.MimeBundle;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The live view of a fit: one display id updated in place. Text is a compact progress line (a
 * terminal rewrites it); HTML adds a progress bar and the loss curve so far. Updates are throttled
 * so that a fast loop does not flood the frontend.
 */
final class Progress {
  private static final long MIN_INTERVAL_NANOS = 250_000_000L;

  private final String id = Display.newDisplayId();
  private final int epochs;
  private final int batchesPerEpoch;
  private final long start = System.nanoTime();
  private final History history;
  private long lastShown;

  Progress(int epochs, int batchesPerEpoch, History history) {
    this.epochs = epochs;
    this.batchesPerEpoch = batchesPerEpoch;
    this.history = history;
  }

  void update(int epoch, int batch, Map<String, Double> logs, boolean force) {
    long now = System.nanoTime();
    if (!force && now - lastShown < MIN_INTERVAL_NANOS) {
      return;
    }
    lastShown = now;
    Display.show(id, new View(epoch, batch, new LinkedHashMap<>(logs), (now - start) / 1e9));
  }

  private final class View implements Displayable {
    private final int epoch;
    private final int batch;
    private final Map<String, Double> logs;
    private final double seconds;

    View(int epoch, int batch, Map<String, Double> logs, double seconds) {
      this.epoch = epoch;
      this.batch = batch;
      this.logs = logs;
      this.seconds = seconds;
    }

    private double fraction() {
      return Math.min(1, (epoch + (double) batch / Math.max(1, batchesPerEpoch)) / epochs);
    }

    @Override
    public String toString() {
      int width = 20;
      int filled = (int) Math.round(fraction() * width);
      var sb =
          new StringBuilder(
              String.format(
                  Locale.ROOT,
                  "epoch %d/%d [%s%s]",
                  Math.min(epoch + 1, epochs),
                  epochs,
                  "=".repeat(filled),
                  " ".repeat(width - filled)));
      logs.forEach(
          (k, v) -> {
            if (!k.equals("lr")) {
              sb.append(String.format(Locale.ROOT, " %s %.4f", k, v));
            }
          });
      sb.append(String.format(Locale.ROOT, " %.1fs", seconds));
      return sb.toString();
    }

    @Override
    public MimeBundle toMimeBundle() {
      var h =
          new StringBuilder(
              String.format(
                  Locale.ROOT,
                  "<div class=\"quiver-fit\"><progress value=\"%.4f\" max=\"1\" style=\"width:300px\"></progress> <code>%s</code>",
                  fraction(),
                  Summary.esc(toString())));
      if (history.epochCount() > 1) {
        var series = new LinkedHashMap<String, double[]>();
        series.put("loss", history.get("loss"));
        if (history.epochs().getFirst().containsKey("val_loss")) {
          series.put("val_loss", history.get("val_loss"));
        }
        h.append("<br/>").append(LossPlot.svg(series, 400, 180));
      }
      return MimeBundle.text(toString()).with(MimeBundle.TEXT_HTML, h.append("</div>").toString());
    }
  }

  private static final class Summary {
    static String esc(String s) {
      return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
  }
}
