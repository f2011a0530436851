package dev.quiver.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
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
    // The HTML is an <img> of the same markup: it survives a notebook's sanitizer.
    assertEquals(
        List.of("text/plain", "text/html", "image/svg+xml"), List.copyOf(bundle.data().keySet()));
    var img = bundle.get(MimeBundle.TEXT_HTML).orElseThrow();
    assertTrue(img.startsWith("<img src=\"data:image/svg+xml;base64,"), img);
    assertTrue(img.endsWith("\" width=\"30\" height=\"20\" alt=\"SVG image 30x20\"/>"), img);
    var encoded = img.substring(img.indexOf(",") + 1, img.indexOf('"', img.indexOf(",")));
    assertEquals(
        svg.svg(), new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8));
    assertEquals("SVG image", new Svg("<svg viewBox=\"0 0 1 1\"/>").toMimeBundle().text());
    // An image is drawn only when its root names the SVG namespace: the data URI adds it.
    var bare = new Svg("<svg width='5' height='4.0px'><rect/></svg>");
    assertEquals(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width='5' height='4.0px'><rect/></svg>",
        new String(
            Base64.getDecoder()
                .decode(bare.dataUri().substring("data:image/svg+xml;base64,".length())),
            StandardCharsets.UTF_8));
    assertTrue(bare.imgTag("a < b").endsWith("width=\"5\" height=\"4\" alt=\"a &lt; b\"/>"));
    assertFalse(new Svg("<svg width='50%' height='2'/>").imgTag("x").contains("width="));
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
