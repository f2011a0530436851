package dev.quiver.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.display.MimeBundle;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class TensorImagesTest {
  @Test
  void aBatchOfImagesShowsAsAGridBesideItsText() throws IOException {
    float[] v = new float[3 * 8 * 8];
    v[2 * 64 + 8 + 1] = 1; // image 2, row 1, column 1 is white
    Tensor batch = Tensor.of(v, 3, 1, 8, 8);
    MimeBundle b = batch.toMimeBundle();
    assertTrue(b.has(MimeBundle.TEXT_PLAIN));
    var png =
        ImageIO.read(
            new ByteArrayInputStream(
                Base64.getDecoder().decode(b.get(MimeBundle.IMAGE_PNG).orElseThrow())));
    int scale = 8; // small images are enlarged, at most 8 times
    assertEquals(3 * 8 * scale + 2 * 2, png.getWidth());
    assertEquals(8 * scale, png.getHeight());
    int x = 2 * (8 * scale + 2) + scale + 1;
    assertEquals(255, png.getRaster().getSample(x, scale + 1, 0));
    assertEquals(0, png.getRaster().getSample(x - scale, scale + 1, 0));
  }

  @Test
  void valuesOutsideTheUnitRangeAreStretchedPerImage() throws IOException {
    Tensor t = Tensor.of(new float[] {-4, -2, 0, 4}, 2, 2);
    var png = ImageIO.read(new ByteArrayInputStream(TensorImages.grid(t, 1, 1).bytes()));
    assertEquals(0, png.getRaster().getSample(0, 0, 0));
    assertEquals(255, png.getRaster().getSample(1, 1, 0));
    assertEquals(128, png.getRaster().getSample(0, 1, 0));
  }

  @Test
  void otherTensorsKeepTheirTextAndTable() {
    assertFalse(Tensor.zeros(3, 4).toMimeBundle().has(MimeBundle.IMAGE_PNG));
    assertFalse(Tensor.zeros(2, 5, 8, 8).toMimeBundle().has(MimeBundle.IMAGE_PNG));
    assertFalse(
        Tensor.zeros(new long[] {2, 1, 8, 8})
            .to(DType.INT32)
            .toMimeBundle()
            .has(MimeBundle.IMAGE_PNG));
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TensorImages.grid(Tensor.zeros(2, 5, 8, 8), 4, 1));
    assertTrue(e.getMessage().contains("[2,5,8,8]") || e.getMessage().contains("5"), e::getMessage);
  }
}
