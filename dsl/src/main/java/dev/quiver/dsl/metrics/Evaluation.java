package dev.quiver.dsl.metrics;

import dev.quiver.display.Displayable;
import dev.quiver.display.MimeBundle;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The result of {@code model.evaluate(data)}: the mean loss and each metric, with the predictions
 * behind them.
 */
public record Evaluation(
    double loss,
    String lossName,
    Map<String, Double> metrics,
    Predictions predictions,
    java.util.List<String> classNames)
    implements Displayable {
  public Evaluation {
    metrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    classNames = classNames == null ? java.util.List.of() : java.util.List.copyOf(classNames);
  }

  /** A metric by name, e.g. {@code "accuracy"}. */
  public double get(String name) {
    if (name.equals("loss")) {
      return loss;
    }
    Double v = metrics.get(name);
    if (v == null) {
      throw new IllegalArgumentException(
          "Evaluation: no metric '" + name + "'; have loss and " + metrics.keySet());
    }
    return v;
  }

  /** Accuracy: the metric if it was asked for, else computed from the predictions. */
  public double accuracy() {
    return metrics.containsKey("accuracy")
        ? metrics.get("accuracy")
        : Metric.accuracy().compute(predictions);
  }

  /**
   * Counts of true against predicted classes, with per-class precision, recall and F1 (named when
   * the data names its classes).
   */
  public ConfusionMatrix confusionMatrix() {
    return ConfusionMatrix.of(predictions, classNames);
  }

  @Override
  public String toString() {
    var sb = new StringBuilder(String.format("loss %.4f", loss));
    metrics.forEach((k, v) -> sb.append(String.format(", %s %.4f", k, v)));
    return sb.toString();
  }

  @Override
  public MimeBundle toMimeBundle() {
    var h = new StringBuilder("<table class=\"quiver-eval\"><tr><th>loss</th>");
    metrics.keySet().forEach(k -> h.append("<th>").append(k).append("</th>"));
    h.append(String.format("</tr><tr><td>%.4f</td>", loss));
    metrics.values().forEach(v -> h.append(String.format("<td>%.4f</td>", v)));
    h.append("</tr></table>");
    return MimeBundle.text(toString()).with(MimeBundle.TEXT_HTML, h.toString());
  }
}
