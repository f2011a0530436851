package dev.quiver.runtime.format;

import dev.quiver.display.Html;

/**
 * Lays a 1-D or 2-D tensor out as an HTML table with index headers and a caption; other ranks as
 * the escaped text form in {@code <pre>}. Styles are inline because notebook frontends drop {@code
 * <style>} blocks or let their own CSS win, and the output must also read offline in nbconvert's
 * HTML.
 */
final class HtmlLayout {

  private static final String FONT =
      "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px";
  private static final String TABLE = "border-collapse:collapse;border:none;margin:0;" + FONT;
  private static final String CAPTION =
      "caption-side:top;text-align:left;color:#777;font-size:11px;"
          + "font-family:sans-serif;padding:0 0 2px 0";
  private static final String CAPTION_DIV =
      "color:#777;font-size:11px;font-family:sans-serif;padding:0 0 2px 0";
  // Per-cell styles are repeated in every cell, so they stay short; frontends' own table CSS
  // (borders off, zebra rows) is fine to keep.
  private static final String HEAD =
      "padding:1px 6px;text-align:right;color:#999;font-weight:normal";
  private static final String CELL = "padding:1px 6px;text-align:right";
  private static final String PRE = "margin:0;padding:0;background:none;" + FONT;

  private static final String H_ELLIPSIS = "&#8230;"; // …
  private static final String V_ELLIPSIS = "&#8942;"; // ⋮
  private static final String D_ELLIPSIS = "&#8945;"; // ⋱

  private HtmlLayout() {}

  static String table(ShownElements shown, String caption) {
    var out = new StringBuilder(256 + 48 * shown.values().length);
    out.append("<table style=\"").append(TABLE).append("\">\n");
    out.append("<caption style=\"")
        .append(CAPTION)
        .append("\">")
        .append(Html.escape(caption))
        .append("</caption>\n");
    boolean matrix = shown.rank() == 2;
    long[] columns = shown.windows()[shown.rank() - 1];
    long[] rows = matrix ? shown.windows()[0] : new long[] {0};

    out.append("<thead><tr>");
    if (matrix) {
      out.append("<th style=\"").append(HEAD).append("\"></th>");
    }
    for (long c : columns) {
      head(out, c == ShownElements.GAP ? H_ELLIPSIS : Long.toString(c));
    }
    out.append("</tr></thead>\n<tbody>\n");

    var format = shown.format();
    int next = 0;
    for (long r : rows) {
      out.append("<tr>");
      if (matrix) {
        head(out, r == ShownElements.GAP ? V_ELLIPSIS : Long.toString(r));
      }
      for (long c : columns) {
        String text;
        if (r == ShownElements.GAP) {
          text = c == ShownElements.GAP ? D_ELLIPSIS : V_ELLIPSIS;
        } else if (c == ShownElements.GAP) {
          text = H_ELLIPSIS;
        } else {
          text = Html.escape(format.format(shown.values()[next++]));
        }
        out.append("<td style=\"").append(CELL).append("\">").append(text).append("</td>");
      }
      out.append("</tr>\n");
    }
    return out.append("</tbody>\n</table>").toString();
  }

  static String preformatted(String text, String caption) {
    return "<div>\n<div style=\""
        + CAPTION_DIV
        + "\">"
        + Html.escape(caption)
        + "</div>\n"
        + "<pre style=\""
        + PRE
        + "\">"
        + Html.escape(text)
        + "</pre>\n</div>";
  }

  private static void head(StringBuilder out, String text) {
    out.append("<th style=\"").append(HEAD).append("\">").append(text).append("</th>");
  }
}
