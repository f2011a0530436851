package dev.quiver.display;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PngTest {

  /** A real PNG of the given size, written by the JDK's encoder. */
  static byte[] png(int width, int height) throws IOException {
    var image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    var out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }

  @Test
  void readsSizeAndRendersWithMetadata() throws IOException {
    var png = new Png(png(4, 3));
    assertEquals(4, png.width());
    assertEquals(3, png.height());
    assertEquals("PNG image 4x3", png.toString());
    var bundle = png.toMimeBundle();
    assertEquals("PNG image 4x3", bundle.text());
    assertTrue(bundle.has(MimeBundle.IMAGE_PNG));
    assertEquals(Map.of("image/png", Map.of("width", 4, "height", 3)), bundle.metadata());
  }

  @Test
  void isImmutableAndComparesByContent() throws IOException {
    byte[] bytes = png(2, 2);
    var png = new Png(bytes);
    bytes[20] = 9; // the caller's array changes, the Png does not
    assertEquals(2, png.height());
    png.bytes()[20] = 9; // nor through the accessor
    assertEquals(2, png.height());
    assertEquals(new Png(png(2, 2)), png);
    assertEquals(new Png(png(2, 2)).hashCode(), png.hashCode());
    assertNotEquals(new Png(png(2, 3)), png);
  }

  @Test
  void readsAFile(@TempDir Path dir) throws IOException {
    var file = dir.resolve("plot.png");
    Files.write(file, png(5, 6));
    assertEquals("PNG image 5x6", Png.read(file).toString());

    var text = dir.resolve("notes.txt");
    Files.writeString(text, "just some text, not an image");
    var e = assertThrows(IllegalArgumentException.class, () -> Png.read(text));
    assertTrue(
        e.getMessage()
            .startsWith(text + ": not a PNG: 28 bytes starting [6a 75 73 74 20 73 6f 6d]"),
        e.getMessage());

    var missing =
        assertThrows(UncheckedIOException.class, () -> Png.read(dir.resolve("missing.png")));
    assertTrue(
        missing.getMessage().startsWith("Png.read: cannot read " + dir.resolve("missing.png")),
        missing.getMessage());
  }

  @Test
  void rejectsWhatIsNotAPng() throws IOException {
    assertThrows(NullPointerException.class, () -> new Png(null));
    var shortBytes =
        assertThrows(IllegalArgumentException.class, () -> new Png(new byte[] {(byte) 0x89, 'P'}));
    assertEquals(
        "not a PNG: 2 bytes starting [89 50], expected the signature [89 50 4e 47 0d 0a 1a 0a] and an IHDR chunk",
        shortBytes.getMessage());
    byte[] broken = png(2, 2);
    broken[12] = 'X';
    assertEquals(
        "not a PNG: first chunk is not IHDR",
        assertThrows(IllegalArgumentException.class, () -> new Png(broken)).getMessage());
    assertArrayEquals(png(1, 1), new Png(png(1, 1)).bytes());
  }

  @Test
  void encodesGreyAndRgbPixelsThatImageIoReadsBack() throws IOException {
    byte[] grey = new byte[5 * 3];
    for (int i = 0; i < grey.length; i++) {
      grey[i] = (byte) (i * 17);
    }
    var g = Png.encode(5, 3, 1, grey);
    assertEquals(5, g.width());
    assertEquals(3, g.height());
    var image = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(g.bytes()));
    assertEquals(4 * 17, image.getRaster().getSample(4, 0, 0));
    assertEquals(14 * 17, image.getRaster().getSample(4, 2, 0));
    byte[] rgb = {(byte) 255, 0, 0, 0, (byte) 200, 7};
    var c =
        javax.imageio.ImageIO.read(
            new java.io.ByteArrayInputStream(Png.encode(2, 1, 3, rgb).bytes()));
    assertEquals(0xFF0000, c.getRGB(0, 0) & 0xFFFFFF);
    assertEquals(0x00C807, c.getRGB(1, 0) & 0xFFFFFF);
    var e = assertThrows(IllegalArgumentException.class, () -> Png.encode(2, 2, 1, new byte[3]));
    assertTrue(e.getMessage().contains("needs 4 bytes, got 3"), e::getMessage);
  }
}
