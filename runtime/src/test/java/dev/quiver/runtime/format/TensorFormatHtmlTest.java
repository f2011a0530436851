package dev.quiver.runtime.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.display.MimeBundle;
import org.junit.jupiter.api.Test;

class TensorFormatHtmlTest {

  private static final String TABLE =
      "<table style=\"border-collapse:collapse;border:none;margin:0;"
          + "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px\">\n";
  private static final String CAPTION =
      "<caption style=\"caption-side:top;text-align:left;color:#777;"
          + "font-size:11px;font-family:sans-serif;padding:0 0 2px 0\">";
  private static final String TH =
      "<th style=\"padding:1px 6px;text-align:right;color:#999;font-weight:normal\">";
  private static final String TD = "<td style=\"padding:1px 6px;text-align:right\">";

  private static int count(String text, String part) {
    int n = 0;
    for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
      n++;
    }
    return n;
  }

  @Test
  void matrixIsATableWithIndexHeadersAndCaption() {
    var e =
        new TensorElements(
            new long[] {2, 2}, i -> new double[] {1, -2.5, 3, 4}[(int) i], false, "float32");
    var expected =
        TABLE
            + CAPTION
            + "shape [2, 2] \u00b7 float32</caption>\n"
            + "<thead><tr>"
            + TH
            + "</th>"
            + TH
            + "0</th>"
            + TH
            + "1</th></tr></thead>\n"
            + "<tbody>\n"
            + "<tr>"
            + TH
            + "0</th>"
            + TD
            + "1.0000</td>"
            + TD
            + "-2.5000</td></tr>\n"
            + "<tr>"
            + TH
            + "1</th>"
            + TD
            + "3.0000</td>"
            + TD
            + "4.0000</td></tr>\n"
            + "</tbody>\n</table>";
    assertEquals(expected, TensorFormat.toHtml(e));
  }

  @Test
  void vectorIsOneRow() {
    var e = new TensorElements(new long[] {3}, i -> i, true, "int32");
    var expected =
        TABLE
            + CAPTION
            + "shape [3] \u00b7 int32</caption>\n"
            + "<thead><tr>"
            + TH
            + "0</th>"
            + TH
            + "1</th>"
            + TH
            + "2</th></tr></thead>\n"
            + "<tbody>\n"
            + "<tr>"
            + TD
            + "0</td>"
            + TD
            + "1</td>"
            + TD
            + "2</td></tr>\n"
            + "</tbody>\n</table>";
    assertEquals(expected, TensorFormat.toHtml(e));
  }

  @Test
  void largeMatrixShowsEllipsisRowAndColumn() {
    var html = TensorFormat.toHtml(new TensorElements(new long[] {40, 50}, i -> i, true, "int64"));
    assertEquals(1 + 7, count(html, "<tr>"), "header row + 3 + ellipsis + 3");
    assertEquals(7 * 7, count(html, "<td "), "7 shown rows x 7 shown columns, gap cells included");
    assertTrue(html.contains(TH + "&#8230;</th>" + TH + "47</th>"), "column header gap");
    assertTrue(html.contains("<tr>" + TH + "&#8942;</th>" + TD + "&#8942;</td>"), "row gap");
    assertTrue(html.contains(TD + "&#8945;</td>"), "corner of the gaps");
    assertTrue(html.contains(TH + "39</th>" + TD + "1950</td>"), "last row");
    assertTrue(html.contains(TD + "1999</td></tr>\n</tbody>"), "last element");
    assertFalse(html.contains(">500<"), "middle elements are not shown");
  }

  @Test
  void largeVectorShowsEllipsisColumn() {
    var html =
        TensorFormat.toHtml(new TensorElements(new long[] {2000}, i -> i * 0.5, false, "float32"));
    assertTrue(html.contains(CAPTION + "shape [2000] \u00b7 float32</caption>"));
    assertTrue(
        html.contains(TD + "1.0000e+00</td>" + TD + "&#8230;</td>" + TD + "9.9850e+02</td>"), html);
    assertEquals(7, count(html, "<td "));
  }

  @Test
  void otherRanksArePreformattedText() {
    var e = new TensorElements(new long[] {1, 1, 2}, i -> i, true, "int32");
    var expected =
        "<div>\n"
            + "<div style=\"color:#777;font-size:11px;font-family:sans-serif;padding:0 0 2px 0\">shape [1, 1, 2] \u00b7 int32</div>\n"
            + "<pre style=\"margin:0;padding:0;background:none;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;"
            + "font-size:12px\">tensor([[[0, 1]]], dtype=int32)</pre>\n"
            + "</div>";
    assertEquals(expected, TensorFormat.toHtml(e));
    assertTrue(
        TensorFormat.toHtml(new TensorElements(new long[] {}, i -> 2.5, false, "float32"))
            .contains(">tensor(2.5000)</pre>"));
    assertTrue(
        TensorFormat.toHtml(new TensorElements(new long[] {2, 0}, i -> 0, false, "float32"))
            .contains(">tensor([], shape=[2, 0])</pre>"));
  }

  @Test
  void everythingIsEscaped() {
    var options = TensorFormatOptions.DEFAULT.withName("<Param>").withSuffix("note=\"a&b\"");
    var table =
        TensorFormat.toHtml(new TensorElements(new long[] {2}, i -> i, true, "int<8>"), options);
    assertTrue(
        table.contains(
            ">&lt;Param&gt; \u00b7 shape [2] \u00b7 int&lt;8&gt; \u00b7 note=&quot;a&amp;b&quot;</caption>"),
        table);
    var pre =
        TensorFormat.toHtml(new TensorElements(new long[] {1, 1, 1}, i -> 1, true, "q'<"), options);
    assertTrue(
        pre.contains(">&lt;Param&gt;([[[1]]], dtype=q&#39;&lt;, note=&quot;a&amp;b&quot;)</pre>"),
        pre);
    for (var html : new String[] {table, pre}) {
      assertFalse(html.contains("<Param"), html);
      assertFalse(html.contains("int<8"), html);
    }
  }

  @Test
  void mimeBundleCarriesTextAndHtml() {
    var bundle =
        TensorFormat.toMimeBundle(
            new TensorElements(new long[] {2}, i -> i, true, "int64"), TensorFormatOptions.DEFAULT);
    assertEquals("tensor([0, 1])", bundle.text());
    assertTrue(bundle.get(MimeBundle.TEXT_HTML).orElseThrow().startsWith("<table"));
  }
}
