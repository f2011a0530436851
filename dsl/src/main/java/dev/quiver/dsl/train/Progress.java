package dev.quiver.dsl.train;

import dev.quiver.display.Display;
import dev.quiver.display.Displayable;
import dev.quiver.display.MimeBundle;
import dev.quiver.display.Svg;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The live view of a fit: one display id, shown as the fit starts and updated in place. Text is a
 * compact progress line (a terminal rewrites it); HTML is one progress bar, the same numbers, and
 * the loss curve so far as an image. Updates are throttled so that a fast loop does not flood the
 * frontend.
 *
 * <p>The curve is an {@code <img>} of SVG ({@link Svg#imgTag}), not inline SVG: a saved notebook
 * opened before it is trusted shows its outputs through a sanitizer that drops inline SVG.
 */
final class Progress {
  private static final long MIN_INTERVAL_NANOS = 250_000_000L;

  private final String id = Display.newDisplayId();
  private final int epochs;
  private final int batchesPerEpoch;
  private final long start = System.nanoTime();
  private final History history;
  private long lastShown;
  private int epoch;
  private int batch;
  private Map<String, Double> logs = Map.of();

  /** Shows the view at once, before the first batch (which may take seconds) ends. */
  Progress(int epochs, int batchesPerEpoch, History history) {
    this.epochs = epochs;
    this.batchesPerEpoch = batchesPerEpoch;
    this.history = history;
    show(System.nanoTime(), null);
  }

  void update(int epoch, int batch, Map<String, Double> logs, boolean force) {
    this.epoch = epoch;
    this.batch = batch;
    this.logs = logs;
    long now = System.nanoTime();
    if (force || now - lastShown >= MIN_INTERVAL_NANOS) {
      show(now, null);
    }
  }

  /** The last state, whatever the throttle held back, with why the fit stopped early if it did. */
  void finish() {
    show(System.nanoTime(), history.stopReason());
  }

  private void show(long now, String note) {
    lastShown = now;
    Display.show(id, new View(epoch, batch, new LinkedHashMap<>(logs), (now - start) / 1e9, note));
  }

  private final class View implements Displayable {
    private final int epoch;
    private final int batch;
    private final Map<String, Double> logs;
    private final double seconds;
    private final String note;

    View(int epoch, int batch, Map<String, Double> logs, double seconds, String note) {
      this.epoch = epoch;
      this.batch = batch;
      this.logs = logs;
      this.seconds = seconds;
      this.note = note;
    }

    private double fraction() {
      return Math.min(1, (epoch + (double) batch / Math.max(1, batchesPerEpoch)) / epochs);
    }

    // "loss 0.2558 accuracy 0.9750 1.5s", after "epoch 3/20".
    private String numbers() {
      var sb = new StringBuilder();
      logs.forEach(
          (k, v) -> {
            if (!k.equals("lr")) {
              sb.append(' ').append(k).append(' ').append(LossPlot.value(v));
            }
          });
      sb.append(String.format(Locale.ROOT, " %.1fs", seconds));
      if (note != null) {
        sb.append(" (").append(note).append(')');
      }
      return sb.toString();
    }

    private String epochText() {
      return "epoch " + Math.min(epoch + 1, epochs) + "/" + epochs;
    }

    @Override
    public String toString() {
      int width = 20;
      int filled = (int) Math.round(fraction() * width);
      return epochText() + " [" + "=".repeat(filled) + " ".repeat(width - filled) + "]" + numbers();
    }

    @Override
    public MimeBundle toMimeBundle() {
      var h =
          new StringBuilder(
              String.format(
                  Locale.ROOT,
                  "<div class=\"quiver-fit\"><progress value=\"%.4f\" max=\"1\"></progress>"
                      + " <code>%s</code>",
                  fraction(),
                  LossPlot.escape(epochText() + numbers())));
      if (history.epochCount() > 1) {
        var series = new LinkedHashMap<String, double[]>();
        series.put("loss", history.get("loss"));
        if (history.epochs().getFirst().containsKey("val_loss")) {
          series.put("val_loss", history.get("val_loss"));
        }
        h.append("<br/>").append(new Svg(LossPlot.svg(series, 420, 180)).imgTag("loss per epoch"));
      }
      return MimeBundle.text(toString()).with(MimeBundle.TEXT_HTML, h.append("</div>").toString());
    }
  }
}
