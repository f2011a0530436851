package dev.quiver.dsl.train;

import dev.quiver.display.Displayable;
import dev.quiver.display.MimeBundle;
import dev.quiver.display.Svg;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loss, metrics and learning rate per epoch, as {@code fit} returns them. Shows as a table of the
 * last epochs and, in a notebook, a loss plot.
 */
public final class History implements Displayable {
  private final List<Map<String, Double>> epochs = new ArrayList<>();
  private String stopReason;
  private long steps;

  void add(Map<String, Double> logs) {
    epochs.add(Collections.unmodifiableMap(new LinkedHashMap<>(logs)));
  }

  void stop(String reason) {
    this.stopReason = reason;
  }

  void steps(long n) {
    this.steps = n;
  }

  /** Per-epoch logs, in order. */
  public List<Map<String, Double>> epochs() {
    return Collections.unmodifiableList(epochs);
  }

  public int epochCount() {
    return epochs.size();
  }

  /** Optimizer steps taken. */
  public long steps() {
    return steps;
  }

  /** Why training ended before the last epoch (early stopping, interrupt), or null. */
  public String stopReason() {
    return stopReason;
  }

  public boolean interrupted() {
    return stopReason != null && stopReason.startsWith("interrupted");
  }

  /** One log entry across epochs, e.g. {@code get("val_loss")}. */
  public double[] get(String name) {
    if (!epochs.isEmpty() && !epochs.getFirst().containsKey(name)) {
      throw new IllegalArgumentException(
          "History: no entry '" + name + "'; have " + epochs.getFirst().keySet());
    }
    // A loop, not a stream: the live view reads the curve while a notebook's first fit runs, with
    // the stream machinery still interpreted.
    double[] values = new double[epochs.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = epochs.get(i).get(name);
    }
    return values;
  }

  public double[] loss() {
    return get("loss");
  }

  /** The value of the last epoch. */
  public double last(String name) {
    if (epochs.isEmpty()) {
      throw new IllegalStateException("History: no epoch finished");
    }
    Double v = epochs.getLast().get(name);
    if (v == null) {
      throw new IllegalArgumentException(
          "History: no entry '" + name + "'; have " + epochs.getLast().keySet());
    }
    return v;
  }

  @Override
  public String toString() {
    if (epochs.isEmpty()) {
      return "History: no epoch finished" + (stopReason == null ? "" : " (" + stopReason + ")");
    }
    var sb =
        new StringBuilder("History: ")
            .append(epochs.size())
            .append(" epochs, ")
            .append(steps)
            .append(" steps");
    if (stopReason != null) {
      sb.append(" (").append(stopReason).append(')');
    }
    sb.append('\n');
    int n = epochs.size();
    List<Integer> shown = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (n <= 10 || i < 3 || i >= n - 5) {
        shown.add(i);
      }
    }
    int prev = -1;
    for (int i : shown) {
      if (prev >= 0 && i != prev + 1) {
        sb.append("  ...\n");
      }
      sb.append(String.format("  epoch %4d", i + 1));
      epochs.get(i).forEach((k, v) -> sb.append(String.format("  %s %.4g", k, v)));
      sb.append('\n');
      prev = i;
    }
    return sb.toString();
  }

  @Override
  public MimeBundle toMimeBundle() {
    var b = MimeBundle.text(toString());
    if (epochs.isEmpty()) {
      return b;
    }
    var series = new LinkedHashMap<String, double[]>();
    for (String k : epochs.getFirst().keySet()) {
      if (k.equals("loss") || k.equals("val_loss")) {
        series.put(k, get(k));
      }
    }
    // An <img> of the SVG: it shows in a notebook that is not trusted yet (see Svg).
    return b.with(
        MimeBundle.TEXT_HTML,
        new Svg(LossPlot.svg(series, 480, 240)).imgTag(String.join(", ", series.keySet())));
  }
}
