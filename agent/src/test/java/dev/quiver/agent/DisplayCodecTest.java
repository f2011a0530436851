package dev.quiver.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.display.MimeBundle;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/** The display frame, both ways, as the agent writes it and the kernel reads it. */
class DisplayCodecTest {

  /** A valid PNG of {@code width} x {@code height} gray pixels, with some bytes above 0x7f. */
  static byte[] png(int width, int height) throws Exception {
    var out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    var ihdr =
        java.nio.ByteBuffer.allocate(13)
            .putInt(width)
            .putInt(height)
            .put((byte) 8)
            .put((byte) 0)
            .put((byte) 0)
            .put((byte) 0)
            .put((byte) 0)
            .array();
    chunk(out, "IHDR", ihdr);
    var raw = new ByteArrayOutputStream();
    for (int y = 0; y < height; y++) {
      raw.write(0);
      for (int x = 0; x < width; x++) {
        raw.write((x * 7 + y * 13) & 0xff);
      }
    }
    var deflated = new ByteArrayOutputStream();
    try (var z = new java.util.zip.DeflaterOutputStream(deflated)) {
      z.write(raw.toByteArray());
    }
    chunk(out, "IDAT", deflated.toByteArray());
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws Exception {
    out.write(java.nio.ByteBuffer.allocate(4).putInt(data.length).array());
    var typeBytes = type.getBytes(StandardCharsets.US_ASCII);
    out.write(typeBytes);
    out.write(data);
    var crc = new CRC32();
    crc.update(typeBytes);
    crc.update(data);
    out.write(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  private static MimeBundle roundTrip(MimeBundle bundle) {
    var viaNode = DisplayCodec.fromJson(DisplayCodec.toJson(bundle));
    var viaText = DisplayCodec.fromJsonText(DisplayCodec.toJsonText(bundle));
    assertEquals(viaNode, viaText);
    return viaText;
  }

  private static List<DisplayMessage> readAll(byte[] stream, int pieceSize) {
    var got = new ArrayList<DisplayMessage>();
    var bad = new ArrayList<RuntimeException>();
    var reader = new DisplayCodec.Reader(got::add, bad::add);
    for (int at = 0; at < stream.length; at += pieceSize) {
      reader.feed(stream, at, Math.min(pieceSize, stream.length - at));
    }
    assertEquals(List.of(), bad);
    return got;
  }

  @Test
  void textAndHtmlKeepTheirOrder() {
    var bundle =
        MimeBundle.text("3 rows")
            .with(MimeBundle.TEXT_HTML, "<table><tr><td>1</td></tr></table>")
            .with(MimeBundle.TEXT_MARKDOWN, "**3** rows");
    var back = roundTrip(bundle);
    assertEquals(bundle, back);
    // Frontends take the order as preference.
    assertEquals(
        List.of("text/plain", "text/html", "text/markdown"), List.copyOf(back.data().keySet()));
  }

  @Test
  void pngBytesArriveAsTheSameBytesWithTheirSize() throws Exception {
    var bytes = png(300, 200);
    var back = roundTrip(MimeBundle.png(bytes, "a gray ramp"));
    assertArrayEquals(
        bytes, Base64.getDecoder().decode(back.get(MimeBundle.IMAGE_PNG).orElseThrow()));
    assertEquals(Map.of("width", 300, "height", 200), back.metadata().get(MimeBundle.IMAGE_PNG));
  }

  @Test
  void nestedMetadataOfEveryJsonKindSurvives() {
    var inner = new LinkedHashMap<String, Object>();
    inner.put("isolated", true);
    inner.put("scale", 0.5);
    inner.put("big", 12_345_678_901L);
    inner.put("tags", List.of("a", 1, false, List.of(2.25)));
    var bundle = MimeBundle.text("x").withMetadata("text/html", inner).withMetadata("note", "n");
    assertEquals(bundle, roundTrip(bundle));
  }

  @Test
  void unicodeSurvivesEveryPath() {
    var text =
        "\u03b8 = \u2207L \u00b7 \u00e9t\u00e9 \u4e2d\u6587 \ud83d\ude80 \"quoted\" \\ \n\t\u0000 end";
    var bundle = MimeBundle.text(text).with(MimeBundle.TEXT_LATEX, "$\\theta$ \u00b5");
    assertEquals(bundle, roundTrip(bundle));
    var frames = readAll(DisplayCodec.frame(new DisplayMessage.Show(bundle, "\u00e9-1", false)), 3);
    assertEquals(List.of(new DisplayMessage.Show(bundle, "\u00e9-1", false)), frames);
  }

  @Test
  void bigValuesSurviveAndFramesSplitAnywhere() throws Exception {
    var big = "0123456789abcdef".repeat(200_000); // 3.2 MB of text
    var image = png(1500, 1200); // a PNG of about a megabyte
    var bundle = MimeBundle.png(image, big).with(MimeBundle.TEXT_HTML, "<pre>" + big + "</pre>");
    assertEquals(bundle, roundTrip(bundle));
    var stream = new ByteArrayOutputStream();
    var sent =
        List.<DisplayMessage>of(
            new DisplayMessage.Show(bundle, "progress", false),
            new DisplayMessage.Clear(true),
            new DisplayMessage.Show(MimeBundle.text("done"), "progress", true),
            new DisplayMessage.Show(MimeBundle.text("no id"), null, false),
            new DisplayMessage.Cut(990_000_000_000L, 990_000_000L),
            new DisplayMessage.Clear(false));
    for (var m : sent) {
      stream.write(DisplayCodec.frame(m));
    }
    var bytes = stream.toByteArray();
    assertEquals(sent, readAll(bytes, bytes.length)); // all frames in one write
    assertEquals(sent, readAll(bytes, 65_536)); // a pipe's pieces
    // Byte by byte through the first frame's header and into its JSON: nothing until it is whole.
    var got = new ArrayList<DisplayMessage>();
    var reader =
        new DisplayCodec.Reader(
            got::add,
            e -> {
              throw e;
            });
    for (int i = 0; i < 200; i++) {
      reader.feed(bytes, i, 1);
    }
    assertEquals(List.of(), got);
    reader.feed(bytes, 200, bytes.length - 200);
    assertEquals(sent, got);
  }

  @Test
  void theFrameIsItsLengthThenTheJsonJupyterCarries() throws Exception {
    var frame =
        DisplayCodec.frame(
            new DisplayMessage.Show(
                MimeBundle.text("hi").withImageSize(MimeBundle.IMAGE_PNG, 2, 3), "d1", true));
    int length = java.nio.ByteBuffer.wrap(frame, 0, 4).getInt();
    assertEquals(frame.length - 4, length);
    var json = new ObjectMapper().readTree(frame, 4, length);
    assertEquals("update", json.get("op").asText());
    assertEquals("hi", json.get("data").get("text/plain").asText());
    assertEquals(3, json.get("metadata").get("image/png").get("height").asInt());
    assertEquals("d1", json.get("id").asText());
    // The bundle's own JSON is the shape of Jupyter's display_data content.
    var node = DisplayCodec.toJson(MimeBundle.text("hi"));
    assertEquals("{\"data\":{\"text/plain\":\"hi\"},\"metadata\":{}}", node.toString());
  }

  @Test
  void aBadFrameIsReportedAndTheNextOneStillArrives() throws Exception {
    var stream = new ByteArrayOutputStream();
    var junk = "{\"op\": \"explode\"}".getBytes(StandardCharsets.UTF_8);
    stream.write(java.nio.ByteBuffer.allocate(4).putInt(junk.length).array());
    stream.write(junk);
    stream.write(DisplayCodec.frame(new DisplayMessage.Clear(false)));
    var got = new ArrayList<DisplayMessage>();
    var bad = new ArrayList<RuntimeException>();
    var reader = new DisplayCodec.Reader(got::add, bad::add);
    var bytes = stream.toByteArray();
    reader.feed(bytes, 0, bytes.length);
    assertEquals(List.of(new DisplayMessage.Clear(false)), got);
    assertEquals(1, bad.size());
    assertTrue(bad.getFirst().getMessage().contains("explode"), bad.getFirst().getMessage());
  }

  @Test
  void dataThatArrivesAsJsonStructureIsKeptAsJsonText() {
    var bundle =
        DisplayCodec.fromJsonText(
            "{\"data\": {\"text/plain\": \"{}\", \"application/json\": {\"a\": [1, 2]}}}");
    assertEquals("{\"a\":[1,2]}", bundle.get(MimeBundle.APPLICATION_JSON).orElseThrow());
    assertEquals(Map.of(), bundle.metadata());
  }

  @Test
  void aBundleWithoutPlainTextOrNotJsonIsRefusedWithTheReason() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> DisplayCodec.fromJsonText("{\"data\": {\"text/html\": \"<b>x</b>\"}}"));
    assertTrue(e.getMessage().contains("text/plain is required"), e.getMessage());
    var notJson =
        assertThrows(
            IllegalArgumentException.class, () -> DisplayCodec.fromJsonText("{\"data\": "));
    assertTrue(notJson.getMessage().startsWith("not a MIME bundle's JSON"), notJson.getMessage());
    assertInstanceOf(
        IllegalArgumentException.class,
        assertThrows(
            RuntimeException.class,
            () -> new DisplayMessage.Show(MimeBundle.text("x"), null, true)));
  }

  @Test
  void widgetFramesSurviveInOrderWithTheirParents() throws Exception {
    var state = new LinkedHashMap<String, Object>();
    state.put("_model_name", "IntSliderModel");
    state.put("value", 3);
    state.put("children", List.of("IPY_MODEL_a", "IPY_MODEL_b"));
    var sent =
        List.<DisplayMessage>of(
            new DisplayMessage.Comm("open", "c1", state),
            new DisplayMessage.Parented(
                "m7", new DisplayMessage.Comm("msg", "c1", Map.of("method", "display"))),
            new DisplayMessage.Parented("m7", new DisplayMessage.Stream("stdout", "moved\n")),
            new DisplayMessage.Parented(
                "m7", new DisplayMessage.Show(MimeBundle.text("x"), "d1", true)),
            new DisplayMessage.Parented("m7", new DisplayMessage.Done()),
            new DisplayMessage.Comm("close", "c1", null));
    var stream = new ByteArrayOutputStream();
    for (var m : sent) {
      stream.write(DisplayCodec.frame(m));
    }
    var got = readAll(stream.toByteArray(), 127);
    assertEquals(sent.size(), got.size());
    assertEquals(sent.get(0), got.get(0));
    assertEquals(sent.get(1), got.get(1));
    assertEquals(sent.get(2), got.get(2));
    assertEquals(sent.get(4), got.get(4));
    assertEquals(new DisplayMessage.Comm("close", "c1", Map.of()), got.get(5));
    var show = assertInstanceOf(DisplayMessage.Parented.class, got.get(3));
    assertEquals("m7", show.parent());
    assertEquals("x", ((DisplayMessage.Show) show.message()).bundle().text());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new DisplayMessage.Parented(
                "a", new DisplayMessage.Parented("b", new DisplayMessage.Done())));
  }

  @Test
  void jsonTypesAreJsonInTheMessageNotAStringOfIt() {
    var bundle =
        MimeBundle.text("IntSlider(n = 3, 0..10)")
            .with("application/vnd.jupyter.widget-view+json", "{\"model_id\": \"abc\"}")
            .with("application/json", "not json {");
    var json = DisplayCodec.toJson(bundle);
    assertEquals(
        "abc",
        json.path("data")
            .path("application/vnd.jupyter.widget-view+json")
            .path("model_id")
            .asText());
    assertEquals("not json {", json.path("data").path("application/json").asText());
    var back = DisplayCodec.fromJson(json);
    assertEquals(
        "{\"model_id\":\"abc\"}",
        back.get("application/vnd.jupyter.widget-view+json").orElseThrow());
  }
}
