package dev.quiver.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ValueTypesTest {

  @Test
  void htmlFallsBackToItsText() {
    var html = new Html("<p>Loss: <b>0.07</b> &amp; falling</p>\n\n<p>done</p>");
    var bundle = html.toMimeBundle();
    assertEquals(List.of("text/plain", "text/html"), List.copyOf(bundle.data().keySet()));
    assertEquals("Loss: 0.07 & falling\ndone", bundle.text());
    assertEquals(
        "<p>Loss: <b>0.07</b> &amp; falling</p>\n\n<p>done</p>",
        bundle.get(MimeBundle.TEXT_HTML).orElseThrow());
    assertEquals("table", new Html("<table/>", "table").toMimeBundle().text());
  }

  @Test
  void htmlEscape() {
    assertEquals(
        "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;",
        Html.escape("<a href=\"x\">Tom & Jerry's</a>"));
  }

  @Test
  void markdownAndLatexShowTheirSourceAsText() {
    var md = new Markdown("# Title").toMimeBundle();
    assertEquals("# Title", md.text());
    assertEquals("# Title", md.get(MimeBundle.TEXT_MARKDOWN).orElseThrow());
    var tex = Latex.math("\\frac{a}{b}").toMimeBundle();
    assertEquals("$$\\frac{a}{b}$$", tex.text());
    assertEquals("$$\\frac{a}{b}$$", tex.get(MimeBundle.TEXT_LATEX).orElseThrow());
    assertEquals("$x$", new Latex("$x$").latex());
  }

  @Test
  void svgIsCheckedAndDescribed() {
    var svg =
        new Svg(
            "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"30\" height='20'><rect/></svg>");
    var bundle = svg.toMimeBundle();
    assertEquals("SVG image 30x20", bundle.text());
    assertEquals(svg.svg(), bundle.get(MimeBundle.IMAGE_SVG).orElseThrow());
    assertEquals("SVG image", new Svg("<svg viewBox=\"0 0 1 1\"/>").toMimeBundle().text());
    var e =
        assertThrows(IllegalArgumentException.class, () -> new Svg("<html><body>no</body></html>"));
    assertEquals(
        "Svg: markup has no <svg> element: \"<html><body>no</body></html>\"", e.getMessage());
  }

  @Test
  void nullsAreRejectedByName() {
    assertEquals(
        "Html: html is null",
        assertThrows(NullPointerException.class, () -> new Html(null)).getMessage());
    assertEquals(
        "Markdown: text is null",
        assertThrows(NullPointerException.class, () -> new Markdown(null)).getMessage());
    assertEquals(
        "Latex: text is null",
        assertThrows(NullPointerException.class, () -> new Latex(null)).getMessage());
    assertEquals(
        "Svg: markup is null",
        assertThrows(NullPointerException.class, () -> new Svg(null)).getMessage());
  }
}
