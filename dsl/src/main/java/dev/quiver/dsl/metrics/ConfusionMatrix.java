package dev.quiver.dsl.metrics;

import dev.quiver.display.Displayable;
import dev.quiver.display.MimeBundle;
import java.util.ArrayList;
import java.util.List;

/**
 * counts[true class][predicted class], with per-class precision, recall and F1. A class never
 * predicted has precision 0 (there is no right answer to 0/0; scikit-learn also uses 0).
 */
public record ConfusionMatrix(long[][] counts, List<String> classNames) implements Displayable {

  public static ConfusionMatrix of(Predictions p) {
    return of(p, List.of());
  }

  public static ConfusionMatrix of(Predictions p, List<String> names) {
    int k = Math.max(p.classes(), names.size());
    long[][] c = new long[k][k];
    int[] t = p.trueClasses();
    int[] y = p.predictedClasses();
    for (int i = 0; i < t.length; i++) {
      if (t[i] < 0 || t[i] >= k) {
        throw new IllegalArgumentException(
            "confusion matrix: label "
                + t[i]
                + " at row "
                + i
                + " is out of range for "
                + k
                + " classes");
      }
      c[t[i]][y[i]]++;
    }
    return new ConfusionMatrix(c, names);
  }

  public int classes() {
    return counts.length;
  }

  public long total() {
    long n = 0;
    for (long[] row : counts) {
      for (long v : row) {
        n += v;
      }
    }
    return n;
  }

  public double accuracy() {
    long right = 0;
    for (int i = 0; i < counts.length; i++) {
      right += counts[i][i];
    }
    return (double) right / total();
  }

  public double precision(int c) {
    long col = 0;
    for (long[] row : counts) {
      col += row[c];
    }
    return col == 0 ? 0 : (double) counts[c][c] / col;
  }

  public double recall(int c) {
    long row = 0;
    for (long v : counts[c]) {
      row += v;
    }
    return row == 0 ? 0 : (double) counts[c][c] / row;
  }

  public double f1(int c) {
    double p = precision(c);
    double r = recall(c);
    return p + r == 0 ? 0 : 2 * p * r / (p + r);
  }

  public double macroPrecision() {
    return macro(this::precision);
  }

  public double macroRecall() {
    return macro(this::recall);
  }

  public double macroF1() {
    return macro(this::f1);
  }

  private double macro(java.util.function.IntToDoubleFunction f) {
    double s = 0;
    for (int c = 0; c < classes(); c++) {
      s += f.applyAsDouble(c);
    }
    return s / classes();
  }

  /** Per-class precision, recall, F1 and support, in order of class index. */
  public List<ClassScore> perClass() {
    var out = new ArrayList<ClassScore>();
    for (int c = 0; c < classes(); c++) {
      long support = 0;
      for (long v : counts[c]) {
        support += v;
      }
      out.add(new ClassScore(name(c), precision(c), recall(c), f1(c), support));
    }
    return out;
  }

  /** One row of a classification report. */
  public record ClassScore(String name, double precision, double recall, double f1, long support) {}

  private String name(int c) {
    return c < classNames.size() ? classNames.get(c) : String.valueOf(c);
  }

  @Override
  public String toString() {
    int w = 6;
    for (int c = 0; c < classes(); c++) {
      w = Math.max(w, name(c).length() + 1);
    }
    var sb = new StringBuilder(String.format("%-" + w + "s", "true\\pred"));
    for (int c = 0; c < classes(); c++) {
      sb.append(String.format(" %" + w + "s", name(c)));
    }
    sb.append(String.format(" %9s %9s %9s%n", "precision", "recall", "f1"));
    for (int r = 0; r < classes(); r++) {
      sb.append(String.format("%-" + w + "s", name(r)));
      for (int c = 0; c < classes(); c++) {
        sb.append(String.format(" %" + w + "d", counts[r][c]));
      }
      sb.append(String.format(" %9.3f %9.3f %9.3f%n", precision(r), recall(r), f1(r)));
    }
    sb.append(
        String.format(
            "accuracy %.3f, macro precision %.3f, recall %.3f, F1 %.3f",
            accuracy(), macroPrecision(), macroRecall(), macroF1()));
    return sb.toString();
  }

  @Override
  public MimeBundle toMimeBundle() {
    var h =
        new StringBuilder(
            "<table class=\"quiver-confusion\"><thead><tr><th>true \\ predicted</th>");
    for (int c = 0; c < classes(); c++) {
      h.append("<th>").append(esc(name(c))).append("</th>");
    }
    h.append("<th>precision</th><th>recall</th><th>F1</th></tr></thead><tbody>");
    for (int r = 0; r < classes(); r++) {
      h.append("<tr><th>").append(esc(name(r))).append("</th>");
      long rowTotal = 0;
      for (int c = 0; c < classes(); c++) {
        rowTotal += counts[r][c];
      }
      for (int c = 0; c < classes(); c++) {
        // A heatmap: each cell shaded by its share of the true class (blue on the diagonal, red
        // off it), so the confusions stand out at a glance.
        double share = rowTotal == 0 ? 0 : (double) counts[r][c] / rowTotal;
        String rgb = r == c ? "31,119,180" : "214,39,40";
        h.append(
                String.format(
                    java.util.Locale.ROOT,
                    "<td style=\"background:rgba(%s,%.2f)\">",
                    rgb,
                    r == c ? 0.85 * share : Math.min(0.85, 3 * share)))
            .append(r == c ? "<b>" : "")
            .append(counts[r][c])
            .append(r == c ? "</b></td>" : "</td>");
      }
      h.append(
          String.format(
              "<td>%.3f</td><td>%.3f</td><td>%.3f</td></tr>", precision(r), recall(r), f1(r)));
    }
    h.append(
        String.format(
            "</tbody><caption>accuracy %.3f, macro F1 %.3f</caption></table>",
            accuracy(), macroF1()));
    return MimeBundle.text(toString()).with(MimeBundle.TEXT_HTML, h.toString());
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
