package dev.quiver.dsl.train;

import dev.quiver.display.Display;
import dev.quiver.display.Displayable;
import dev.quiver.display.MimeBundle;
import dev.quiver.display.Svg;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The live view of a fit: one display id, shown as the fit starts and updated in place. Text is a
 * compact progress line (a terminal rewrites it); HTML is one progress bar, the same numbers, and
 * the loss curve so far as an image. Updates are throttled so that a fast loop does not flood the
 * frontend.
 *
 * <p>The curve is an {@code <img>} of SVG ({@link Svg#imgTag}), not inline SVG: a saved notebook
 * opened before it is trusted shows its outputs through a sanitizer that drops inline SVG.
 *
 * <p>Why rendering happens on a thread of its own: drawing the curve, encoding it and sending it
 * took as long as a short fit's training (about 0.2 s of a 100-epoch Iris fit). The training thread
 * now only takes a snapshot of the numbers; {@link #RENDERER} draws and sends the newest one,
 * skipping any that a newer one replaced before it got to them, and {@link #finish} waits for the
 * last, so the cell ends with the final state shown.
 */
final class Progress {
  private static final long MIN_INTERVAL_NANOS = 250_000_000L;
  private static final long FINISH_WAIT_NANOS = 5_000_000_000L;

  private static final ExecutorService RENDERER =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "quiver-live-view");
            t.setDaemon(true);
            return t;
          });

  /** The newest snapshot not yet drawn; the renderer takes it, so older ones are never drawn. */
  private final AtomicReference<View> pending = new AtomicReference<>();

  private Future<?> lastRender = CompletableFuture.completedFuture(null);

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
    // Drawn here, not by the renderer: the empty bar has no curve to draw, and it must be on
    // screen as the fit starts, never skipped because the first update came quickly.
    long now = System.nanoTime();
    lastShown = now;
    Display.show(id, new View(0, 0, Map.of(), 0, null, Map.of()));
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

  /**
   * The last state, whatever the throttle held back, with why the fit stopped early if it did;
   * returns once it is shown.
   */
  void finish() {
    show(System.nanoTime(), history.stopReason());
    // Waited for even when the fit was interrupted (that is when the final state matters most),
    // but not for long: the interrupt is kept for the caller.
    boolean interrupted = false;
    long deadline = System.nanoTime() + FINISH_WAIT_NANOS;
    while (true) {
      try {
        lastRender.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      } catch (ExecutionException | TimeoutException e) {
        break; // the view failed or hangs: the fit's result matters more than its progress bar
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void show(long now, String note) {
    lastShown = now;
    var view =
        new View(epoch, batch, new LinkedHashMap<>(logs), (now - start) / 1e9, note, curves());
    if (pending.getAndSet(view) == null) {
      lastRender = RENDERER.submit(this::drawPending);
    }
  }

  private void drawPending() {
    View view = pending.getAndSet(null);
    if (view != null) {
      Display.show(id, view);
    }
  }

  /** The loss curves so far, copied: the training thread goes on appending to the history. */
  private Map<String, double[]> curves() {
    var series = new LinkedHashMap<String, double[]>();
    if (history.epochCount() > 1) {
      series.put("loss", history.get("loss"));
      if (history.epochs().getFirst().containsKey("val_loss")) {
        series.put("val_loss", history.get("val_loss"));
      }
    }
    return series;
  }

  private final class View implements Displayable {
    private final int epoch;
    private final int batch;
    private final Map<String, Double> logs;
    private final double seconds;
    private final String note;
    private final Map<String, double[]> curves;

    View(
        int epoch,
        int batch,
        Map<String, Double> logs,
        double seconds,
        String note,
        Map<String, double[]> curves) {
      this.epoch = epoch;
      this.batch = batch;
      this.logs = logs;
      this.seconds = seconds;
      this.note = note;
      this.curves = curves;
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
      sb.append(String.format(LossPlot.NUMBERS, " %.1fs", seconds));
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
                  LossPlot.NUMBERS,
                  "<div class=\"quiver-fit\"><progress value=\"%.4f\" max=\"1\"></progress>"
                      + " <code>%s</code>",
                  fraction(),
                  LossPlot.escape(epochText() + numbers())));
      if (!curves.isEmpty()) {
        h.append("<br/>").append(new Svg(LossPlot.svg(curves, 420, 180)).imgTag("loss per epoch"));
      }
      return MimeBundle.text(toString()).with(MimeBundle.TEXT_HTML, h.append("</div>").toString());
    }
  }
}
