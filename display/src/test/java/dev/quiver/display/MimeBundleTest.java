package dev.quiver.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MimeBundleTest {

  @Test
  void textFactoryAndWithKeepInsertionOrder() {
    var bundle =
        MimeBundle.text("plain")
            .with(MimeBundle.TEXT_MARKDOWN, "*md*")
            .with(MimeBundle.TEXT_HTML, "<i>html</i>");
    assertEquals(
        List.of("text/plain", "text/markdown", "text/html"),
        new ArrayList<>(bundle.data().keySet()));
    assertEquals("plain", bundle.text());
    assertEquals(Optional.of("*md*"), bundle.get(MimeBundle.TEXT_MARKDOWN));
    assertTrue(bundle.has(MimeBundle.TEXT_HTML));
    assertFalse(bundle.has(MimeBundle.IMAGE_PNG));
    assertEquals(Map.of(), bundle.metadata());
  }

  @Test
  void withReplacesInPlaceAndLeavesTheOriginalAlone() {
    var first = MimeBundle.of("a", MimeBundle.TEXT_HTML, "<b>a</b>");
    var second = first.with(MimeBundle.TEXT_PLAIN, "b");
    assertEquals("a", first.text());
    assertEquals("b", second.text());
    assertEquals(List.of("text/plain", "text/html"), new ArrayList<>(second.data().keySet()));
  }

  @Test
  void isImmutableEvenWhenBuiltFromAMutableMap() {
    var data = new LinkedHashMap<String, String>();
    data.put(MimeBundle.TEXT_PLAIN, "x");
    var meta = new HashMap<String, Object>();
    meta.put("isolated", true);
    var bundle = new MimeBundle(data, meta);
    data.put(MimeBundle.TEXT_HTML, "changed");
    meta.put("more", 1);
    assertEquals(Map.of(MimeBundle.TEXT_PLAIN, "x"), bundle.data());
    assertEquals(Map.of("isolated", true), bundle.metadata());
    assertThrows(UnsupportedOperationException.class, () -> bundle.data().put("text/html", "y"));
    assertThrows(UnsupportedOperationException.class, () -> bundle.metadata().put("k", "v"));
  }

  @Test
  void textPlainIsRequired() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new MimeBundle(Map.of(MimeBundle.TEXT_HTML, "<b/>"), Map.of()));
    assertEquals(
        "MimeBundle: text/plain is required so every frontend can show something; got types [text/html]",
        e.getMessage());
  }

  @Test
  void badMimeTypesAndNullsSayWhatIsWrong() {
    var bundle = MimeBundle.text("x");
    var nullMime = assertThrows(NullPointerException.class, () -> bundle.with(null, "data"));
    assertEquals("MimeBundle: MIME type is null", nullMime.getMessage());
    var badMime = assertThrows(IllegalArgumentException.class, () -> bundle.with("html", "data"));
    assertEquals(
        "MimeBundle: \"html\" is not a MIME type (expected type/subtype, e.g. text/html)",
        badMime.getMessage());
    var nullData =
        assertThrows(NullPointerException.class, () -> bundle.with(MimeBundle.TEXT_HTML, null));
    assertEquals("MimeBundle.with: data for text/html is null", nullData.getMessage());
    assertThrows(NullPointerException.class, () -> MimeBundle.text(null));
  }

  @Test
  void metadataMustBeJsonLike() {
    var bundle = MimeBundle.text("x").withMetadata("tags", List.of("a", 1, Map.of("k", false)));
    assertEquals(List.of("a", 1, Map.of("k", false)), bundle.metadata().get("tags"));
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> MimeBundle.text("x").withMetadata("when", new Object()));
    assertTrue(
        e.getMessage().startsWith("MimeBundle: metadata.when is a java.lang.Object"),
        e.getMessage());
  }

  @Test
  void imageSizeGoesUnderTheMimeType() {
    var bundle =
        MimeBundle.text("img")
            .with(MimeBundle.IMAGE_SVG, "<svg/>")
            .withImageSize(MimeBundle.IMAGE_SVG, 30, 20);
    assertEquals(Map.of("image/svg+xml", Map.of("width", 30, "height", 20)), bundle.metadata());
    assertThrows(
        IllegalArgumentException.class, () -> bundle.withImageSize(MimeBundle.IMAGE_PNG, 0, 5));
  }

  @Test
  void pngFactoryStoresBase64AndSize() throws Exception {
    byte[] png = PngTest.png(3, 2);
    var bundle = MimeBundle.png(png, "chart");
    assertEquals("chart", bundle.text());
    assertEquals(
        java.util.Base64.getEncoder().encodeToString(png),
        bundle.get(MimeBundle.IMAGE_PNG).orElseThrow());
    assertEquals(Map.of("image/png", Map.of("width", 3, "height", 2)), bundle.metadata());
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> MimeBundle.png("GIF89a-not-a-png-at-all-really".getBytes(), "x"));
    assertTrue(
        e.getMessage().startsWith("not a PNG: 30 bytes starting [47 49 46 38 39 61 2d 6e]"),
        e.getMessage());
  }

  @Test
  void equalBundlesAreEqual() {
    assertEquals(MimeBundle.of("a", "text/html", "b"), MimeBundle.text("a").with("text/html", "b"));
  }
}
