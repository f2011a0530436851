package dev.quiver.display;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A PNG image. The bytes are checked when it is made, so a wrong file fails here, with its first
 * bytes in the message, and not as a broken image in the browser.
 *
 * <pre>{@code
 * Png.read(Path.of("plots/loss.png"))
 * new Png(pngBytes)
 * }</pre>
 *
 * @param bytes the PNG file's bytes (copied in and out: the record stays immutable)
 */
public record Png(byte[] bytes) implements Displayable {

  private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

  public Png {
    pixelSize(bytes); // validates
    bytes = bytes.clone();
  }

  /** Reads a PNG file. */
  public static Png read(Path file) {
    Objects.requireNonNull(file, "Png.read: path is null");
    try {
      return new Png(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException("Png.read: cannot read " + file + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Encodes pixels as a PNG: {@code channels} 1 (grey) or 3 (RGB) bytes per pixel, row-major,
   * {@code width x height} pixels (8 bits per sample, no interlace, deflate-compressed).
   */
  public static Png encode(int width, int height, int channels, byte[] pixels) {
    if (width <= 0 || height <= 0 || (channels != 1 && channels != 3)) {
      throw new IllegalArgumentException(
          "Png.encode: need a positive size and 1 or 3 channels, got "
              + width
              + "x"
              + height
              + "x"
              + channels);
    }
    long expected = (long) width * height * channels;
    if (pixels.length != expected) {
      throw new IllegalArgumentException(
          "Png.encode: "
              + width
              + "x"
              + height
              + "x"
              + channels
              + " needs "
              + expected
              + " bytes, got "
              + pixels.length);
    }
    var out = new java.io.ByteArrayOutputStream();
    out.writeBytes(SIGNATURE);
    var header = java.nio.ByteBuffer.allocate(13);
    header.putInt(width).putInt(height).put((byte) 8).put((byte) (channels == 1 ? 0 : 2));
    header.put((byte) 0).put((byte) 0).put((byte) 0);
    chunk(out, "IHDR", header.array());
    // Each row starts with its filter type, 0: none.
    int row = width * channels;
    byte[] raw = new byte[height * (row + 1)];
    for (int y = 0; y < height; y++) {
      System.arraycopy(pixels, y * row, raw, y * (row + 1) + 1, row);
    }
    var deflater = new java.util.zip.Deflater(6);
    deflater.setInput(raw);
    deflater.finish();
    var packed = new java.io.ByteArrayOutputStream();
    byte[] buffer = new byte[1 << 16];
    while (!deflater.finished()) {
      packed.write(buffer, 0, deflater.deflate(buffer));
    }
    deflater.end();
    chunk(out, "IDAT", packed.toByteArray());
    chunk(out, "IEND", new byte[0]);
    return new Png(out.toByteArray());
  }

  private static void chunk(java.io.ByteArrayOutputStream out, String type, byte[] data) {
    byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    var crc = new java.util.zip.CRC32();
    crc.update(t);
    crc.update(data);
    out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(data.length).array());
    out.writeBytes(t);
    out.writeBytes(data);
    out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  @Override
  public byte[] bytes() {
    return bytes.clone();
  }

  public int width() {
    return pixelSize(bytes)[0];
  }

  public int height() {
    return pixelSize(bytes)[1];
  }

  @Override
  public MimeBundle toMimeBundle() {
    return MimeBundle.png(bytes, toString());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Png other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** {@code PNG image 640x480}: also the text/plain fallback. */
  @Override
  public String toString() {
    return "PNG image " + width() + "x" + height();
  }

  /**
   * {@code {width, height}} in pixels from the IHDR chunk, which the format puts first.
   *
   * @throws IllegalArgumentException when {@code png} does not start like a PNG file
   */
  static int[] pixelSize(byte[] png) {
    Objects.requireNonNull(png, "Png: bytes are null");
    if (png.length < 24 || !Arrays.equals(png, 0, 8, SIGNATURE, 0, 8)) {
      var head = HexFormat.ofDelimiter(" ").formatHex(png, 0, Math.min(png.length, 8));
      throw new IllegalArgumentException(
          "not a PNG: "
              + png.length
              + " bytes starting ["
              + head
              + "], expected the signature [89 50 4e 47 0d 0a 1a 0a] and an IHDR chunk");
    }
    if (png[12] != 'I' || png[13] != 'H' || png[14] != 'D' || png[15] != 'R') {
      throw new IllegalArgumentException("not a PNG: first chunk is not IHDR");
    }
    int width = readInt(png, 16);
    int height = readInt(png, 20);
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException(
          "not a PNG: IHDR says " + width + "x" + height + " pixels");
    }
    return new int[] {width, height};
  }

  private static int readInt(byte[] b, int at) {
    return (b[at] & 0xFF) << 24
        | (b[at + 1] & 0xFF) << 16
        | (b[at + 2] & 0xFF) << 8
        | (b[at + 3] & 0xFF);
  }
}
