package dev.quiver.runtime.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * A CRC-32C of each column's values, kept in the file footer's custom metadata under {@link #KEY}
 * as a JSON object {@code {"name": "hex", ...}}: a damaged file is refused instead of loading wrong
 * values. Files from other Arrow writers carry none and load unchecked.
 */
final class DataChecksum {
  static final String KEY = "quiver.crc32c";
  private static final ObjectMapper JSON = new ObjectMapper();

  private DataChecksum() {}

  /** The CRC-32C of {@code bytes} bytes at the native {@code address}. */
  @SuppressWarnings("restricted") // the caller checked the size against the buffer's capacity
  static String of(long address, long bytes) {
    var crc = new CRC32C();
    if (bytes > 0) {
      MemorySegment all = MemorySegment.ofAddress(address).reinterpret(bytes);
      for (long from = 0; from < bytes; from += 1 << 30) {
        crc.update(all.asSlice(from, Math.min(1 << 30, bytes - from)).asByteBuffer());
      }
    }
    return Long.toHexString(crc.getValue());
  }

  static Map<String, String> footer(Map<String, String> sums) {
    ObjectNode node = JSON.createObjectNode();
    sums.forEach(node::put);
    return Map.of(KEY, node.toString());
  }

  /** The sums a footer holds, or null when it has none; unreadable sums are damage. */
  static Map<String, String> read(Map<String, String> footer, String source)
      throws TensorFileException {
    String text = footer == null ? null : footer.get(KEY);
    if (text == null) {
      return null;
    }
    try {
      var sums = new LinkedHashMap<String, String>();
      JSON.readTree(text).properties().forEach(e -> sums.put(e.getKey(), e.getValue().asText()));
      return sums;
    } catch (Exception e) {
      throw new TensorFileException(
          source + ": its checksums '" + text + "' are not readable; the file is damaged", e);
    }
  }
}
