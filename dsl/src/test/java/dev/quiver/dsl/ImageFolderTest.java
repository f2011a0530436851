package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.dsl.data.ImageFolder;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {
  @TempDir Path dir;

  private void write(String cls, String name, int w, int h, int rgb) throws IOException {
    Path folder = Files.createDirectories(dir.resolve(cls));
    var img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int r = 0; r < h; r++) {
      for (int q = 0; q < w; q++) {
        img.setRGB(q, r, q == 0 && r == 0 ? 0xFFFFFF : rgb);
      }
    }
    ImageIO.write(img, "png", folder.resolve(name).toFile());
  }

  @Test
  void oneSubfolderPerClassInSortedOrder() throws IOException {
    write("cat", "a.png", 4, 3, 0x102030);
    write("cat", "b.png", 4, 3, 0x102030);
    write("dog", "c.png", 4, 3, 0xFF0000);
    Files.writeString(dir.resolve("dog").resolve("notes.txt"), "not an image");
    var d = ImageFolder.read(dir);
    assertArrayEquals(new long[] {3, 3, 3, 4}, d.x().shape());
    assertArrayEquals(new int[] {0, 0, 1}, d.y().toIntArray());
    assertEquals(List.of("cat", "dog"), d.classNames());
    assertEquals(1.0, d.x().get(2, 0, 1, 1), 1e-6);
    assertEquals(0.0, d.x().get(2, 1, 1, 1), 1e-6);
    assertEquals(0x30 / 255.0, d.x().get(0, 2, 2, 3), 1e-6);
    assertEquals(1.0, d.x().get(0, 1, 0, 0), 1e-6);
  }

  @Test
  void greyImagesHaveOneChannelAndSizesMustAgreeUnlessResized() throws IOException {
    write("a", "1.png", 6, 6, 0x404040);
    write("b", "2.png", 8, 5, 0x808080);
    var e = assertThrows(IllegalArgumentException.class, () -> ImageFolder.read(dir));
    assertTrue(
        e.getMessage().contains("2.png is 8x5") && e.getMessage().contains("6x6"), e::getMessage);
    var d = ImageFolder.read(dir, 4, 4);
    assertArrayEquals(new long[] {2, 1, 4, 4}, d.x().shape());
    assertEquals(0x80 / 255.0, d.x().get(1, 0, 3, 3), 0.02);
  }

  @Test
  void brokenFilesAndEmptyFoldersFailNamingThem() throws IOException {
    var e = assertThrows(IllegalArgumentException.class, () -> ImageFolder.read(dir));
    assertTrue(e.getMessage().contains("no subfolders"), e::getMessage);
    Files.createDirectories(dir.resolve("x"));
    Files.write(dir.resolve("x").resolve("broken.png"), new byte[] {1, 2, 3});
    e = assertThrows(IllegalArgumentException.class, () -> ImageFolder.read(dir));
    assertTrue(e.getMessage().contains("broken.png"), e::getMessage);
  }
}
