package dev.quiver.dsl;

import dev.quiver.display.Displayable;
import dev.quiver.display.MimeBundle;
import java.util.ArrayList;
import java.util.List;

/**
 * A model's layers with their output shapes and parameter counts, as Keras prints it. Shows as a
 * text table in a terminal and an HTML table in a notebook.
 */
public record Summary(String model, List<Row> rows, long totalParams, boolean built)
    implements Displayable {

  /**
   * One layer: its name, type, output shape (batch axis shown as {@code -1}) and parameter count.
   */
  public record Row(String name, String type, String outputShape, long params) {}

  public static Summary of(Module m) {
    boolean built = m.isBuilt(); // builds a model whose input was declared
    var rows = new ArrayList<Row>();
    // A free-form model's own tensors (not inside a layer) get a row each, so the rows add up to
    // the total.
    for (var e : m.ownParams().entrySet()) {
      long[] shape = e.getValue().shape();
      rows.add(
          new Row(
              e.getKey(), "Param " + java.util.Arrays.toString(shape), "", e.getValue().numel()));
    }
    for (var e : m.children().entrySet()) {
      Module c = e.getValue();
      long[] out = c.outputShape();
      rows.add(
          new Row(
              e.getKey(),
              c.getClass().getSimpleName(),
              out == null ? "?" : shape(out),
              c.countParams()));
    }
    return new Summary(m.describe(), rows, m.countParams(), built);
  }

  private static String shape(long[] s) {
    var sb = new StringBuilder("[-1");
    for (long v : s) {
      sb.append(", ").append(v);
    }
    return sb.append(']').toString();
  }

  @Override
  public String toString() {
    int w0 = "Layer".length(), w1 = "Output shape".length(), w2 = "Params".length();
    for (Row r : rows) {
      w0 = Math.max(w0, r.name().length() + r.type().length() + 3);
      w1 = Math.max(w1, r.outputShape().length());
      w2 = Math.max(w2, String.format("%,d", r.params()).length());
    }
    String fmt = "%-" + w0 + "s  %-" + w1 + "s  %" + w2 + "s%n";
    var sb = new StringBuilder("Model: ").append(model).append('\n');
    String rule = "-".repeat(w0 + w1 + w2 + 4) + "\n";
    sb.append(rule).append(String.format(fmt, "Layer", "Output shape", "Params")).append(rule);
    for (Row r : rows) {
      sb.append(
          String.format(
              fmt,
              r.name() + " (" + r.type() + ")",
              r.outputShape(),
              String.format("%,d", r.params())));
    }
    sb.append(rule).append(String.format("Total params: %,d%n", totalParams));
    if (!built) {
      sb.append("(not built yet: shapes and counts appear after .input(n) or the first batch)\n");
    }
    return sb.toString();
  }

  @Override
  public MimeBundle toMimeBundle() {
    var h =
        new StringBuilder("<table class=\"quiver-summary\"><caption>Model: ")
            .append(esc(model))
            .append("</caption>")
            .append(
                "<thead><tr><th>Layer</th><th>Output shape</th><th>Params</th></tr></thead><tbody>");
    for (Row r : rows) {
      h.append("<tr><td>")
          .append(esc(r.name()))
          .append(" <small>(")
          .append(esc(r.type()))
          .append(")</small></td><td>")
          .append(esc(r.outputShape()))
          .append("</td><td style=\"text-align:right\">")
          .append(String.format("%,d", r.params()))
          .append("</td></tr>");
    }
    h.append(
            "</tbody><tfoot><tr><td colspan=\"2\">Total params</td><td style=\"text-align:right\">")
        .append(String.format("%,d", totalParams))
        .append("</td></tr></tfoot></table>");
    return MimeBundle.text(toString()).with(MimeBundle.TEXT_HTML, h.toString());
  }

  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
