package dev.quiver.kernel.jshell;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Bytes the cell JVM prints, as text, as soon as they arrive. A UTF-8 character split across two
 * writes is held back until it is whole.
 */
final class TextForwarder extends OutputStream {

  private final Consumer<String> sink;
  private byte[] pending = new byte[0];

  TextForwarder(Consumer<String> sink) {
    this.sink = sink;
  }

  @Override
  public void write(int b) {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) {
    byte[] all;
    if (pending.length == 0) {
      all = Arrays.copyOfRange(b, off, off + len);
    } else {
      all = Arrays.copyOf(pending, pending.length + len);
      System.arraycopy(b, off, all, pending.length, len);
    }
    int whole = completePrefix(all);
    pending = Arrays.copyOfRange(all, whole, all.length);
    if (whole > 0) {
      sink.accept(new String(all, 0, whole, StandardCharsets.UTF_8));
    }
  }

  // Length of the longest prefix that does not end inside a multi-byte character.
  static int completePrefix(byte[] bytes) {
    int n = bytes.length;
    for (int back = 1; back <= Math.min(3, n); back++) {
      int b = bytes[n - back] & 0xFF;
      if ((b & 0xC0) == 0x80) {
        continue; // continuation byte: look further back for the lead
      }
      int need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
      return need > back ? n - back : n;
    }
    return n;
  }
}
