package dev.quiver.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.display.MimeBundle;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The one codec of the display frame: every side that writes or reads a {@link MimeBundle} as JSON
 * goes through here, so the cell JVM and the kernel cannot drift apart.
 *
 * <ul>
 *   <li>A bundle is {@code {"data": {MIME: text, ...}, "metadata": {...}}}: the shape Jupyter's
 *       {@code display_data}, {@code execute_result} and {@code inspect_reply} carry, so the kernel
 *       adds its fields to {@link #toJson} and publishes it. The agent answers the kernel's request
 *       for a value's rendering with the same object as text.
 *   <li>A {@link DisplayMessage} on the agent's {@code display} stream is that object plus {@code
 *       "op"} ({@code display}, {@code update}, {@code clear}, or {@code cut} with {@code "bytes"}
 *       and {@code "lines"}), {@code "id"} and {@code "wait"}, behind its length (4 bytes,
 *       big-endian) so the kernel can find where one ends in the byte stream ({@link Reader}).
 * </ul>
 *
 * Data values are text (image/png as base64, application/json as JSON text; see MimeBundle); a data
 * value that arrives as JSON structure instead is kept as its JSON text.
 */
public final class DisplayCodec {

  /**
   * The cell JVM's one mapper: {@link WidgetLink} uses it too, so it is made as the agent starts
   * (the widget connection), not by a notebook's first display (its progress bar, in the first
   * fit), and one mapper's start-up is paid instead of two.
   */
  static final ObjectMapper JSON = new ObjectMapper();

  private DisplayCodec() {}

  /** A fresh {@code {"data", "metadata"}} object; the caller may add fields to it. */
  public static ObjectNode toJson(MimeBundle bundle) {
    var node = JSON.createObjectNode();
    var data = node.putObject("data");
    bundle
        .data()
        .forEach(
            (mime, text) -> {
              // JSON types are JSON in Jupyter's messages and notebooks, not a string of it.
              if (mime.equals("application/json") || mime.endsWith("+json")) {
                try {
                  data.set(mime, JSON.readTree(text));
                  return;
                } catch (JsonProcessingException e) {
                  // not JSON after all: sent as the text it is
                }
              }
              data.put(mime, text);
            });
    if (bundle.metadata().isEmpty()) {
      // Most bundles (a progress bar, a table, a plot) carry none. valueToTree goes through a
      // parser over a token buffer, whose first use initializes java.math.BigDecimal (it squares
      // up to 5^65536): 10-15 ms interpreted, and C2's compiles of BigInteger after it, in a
      // notebook's first fit.
      node.putObject("metadata");
    } else {
      node.set("metadata", JSON.valueToTree(bundle.metadata()));
    }
    return node;
  }

  /** The bundle in a {@code {"data", "metadata"}} object (other fields are ignored). */
  public static MimeBundle fromJson(JsonNode node) {
    var data = new LinkedHashMap<String, String>();
    node.path("data")
        .properties()
        .forEach(
            e ->
                data.put(
                    e.getKey(),
                    e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString()));
    var metadataNode = node.path("metadata");
    Map<String, Object> metadata =
        metadataNode.isObject() ? JSON.convertValue(metadataNode, MAP) : Map.of();
    return new MimeBundle(data, metadata);
  }

  private static final com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Object>>
      MAP = new com.fasterxml.jackson.core.type.TypeReference<>() {};

  /** {@link #toJson} as JSON text. */
  public static String toJsonText(MimeBundle bundle) {
    try {
      return JSON.writeValueAsString(toJson(bundle));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "cannot write a MIME bundle with types " + bundle.data().keySet() + " as JSON", e);
    }
  }

  /** The bundle in JSON text written by {@link #toJsonText}. */
  public static MimeBundle fromJsonText(String json) {
    try {
      return fromJson(JSON.readTree(json));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a MIME bundle's JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** One display message as a frame: its length (4 bytes, big-endian), then its JSON. */
  public static byte[] frame(DisplayMessage message) {
    return lengthPrefixed(frameJson(message));
  }

  private static ObjectNode frameJson(DisplayMessage message) {
    return switch (message) {
      case DisplayMessage.Show show -> {
        var n = JSON.createObjectNode();
        n.put("op", show.update() ? "update" : "display");
        n.setAll(toJson(show.bundle()));
        if (show.displayId() != null) {
          n.put("id", show.displayId());
        }
        n.put("wait", false);
        yield n;
      }
      case DisplayMessage.Clear clear -> {
        var n = JSON.createObjectNode();
        n.put("op", "clear");
        n.put("wait", clear.waitForNext());
        yield n;
      }
      case DisplayMessage.Comm comm -> {
        var n = JSON.createObjectNode();
        n.put("op", "comm_" + comm.op());
        n.put("comm_id", comm.commId());
        n.set("data", JSON.valueToTree(comm.data()));
        yield n;
      }
      case DisplayMessage.Stream stream -> {
        var n = JSON.createObjectNode();
        n.put("op", "stream");
        n.put("name", stream.name());
        n.put("text", stream.text());
        yield n;
      }
      case DisplayMessage.Cut cut -> {
        var n = JSON.createObjectNode();
        n.put("op", "cut");
        n.put("bytes", cut.bytes());
        n.put("lines", cut.lines());
        yield n;
      }
      case DisplayMessage.Done done -> JSON.createObjectNode().put("op", "done");
      case DisplayMessage.Parented p -> frameJson(p.message()).put("parent", p.parent());
    };
  }

  /** {@code node} as JSON behind its length (4 bytes, big-endian). */
  public static byte[] lengthPrefixed(JsonNode node) {
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a frame as JSON: " + node, e);
    }
    var frame = new byte[4 + json.length];
    frame[0] = (byte) (json.length >>> 24);
    frame[1] = (byte) (json.length >>> 16);
    frame[2] = (byte) (json.length >>> 8);
    frame[3] = (byte) json.length;
    System.arraycopy(json, 0, frame, 4, json.length);
    return frame;
  }

  /** The message in a frame's JSON ({@code length} bytes at {@code offset}). */
  public static DisplayMessage decode(byte[] bytes, int offset, int length) {
    JsonNode m;
    try {
      m = JSON.readTree(bytes, offset, length);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "a display frame of " + length + " bytes is not JSON: " + e.getMessage(), e);
    }
    var message = decodeOne(m);
    return m.hasNonNull("parent")
        ? new DisplayMessage.Parented(m.get("parent").asText(), message)
        : message;
  }

  private static DisplayMessage decodeOne(JsonNode m) {
    var op = m.path("op").asText();
    return switch (op) {
      case "comm_open", "comm_msg", "comm_close" ->
          new DisplayMessage.Comm(
              op.substring(5), m.path("comm_id").asText(), JSON.convertValue(m.path("data"), MAP));
      case "stream" -> new DisplayMessage.Stream(m.path("name").asText(), m.path("text").asText());
      case "done" -> new DisplayMessage.Done();
      case "clear" -> new DisplayMessage.Clear(m.path("wait").asBoolean());
      case "cut" -> new DisplayMessage.Cut(m.path("bytes").asLong(), m.path("lines").asLong());
      case "display", "update" ->
          new DisplayMessage.Show(
              fromJson(m), m.hasNonNull("id") ? m.get("id").asText() : null, op.equals("update"));
      default -> throw new IllegalArgumentException("unknown display message op \"" + op + "\"");
    };
  }

  /**
   * Finds the frames in a byte stream that may arrive in any pieces (a frame split over writes,
   * several frames in one) and hands each decoded message on, in order.
   */
  public static final class Reader {

    private final Consumer<DisplayMessage> messages;
    private final Consumer<RuntimeException> badFrames;
    private byte[] buffer = new byte[4096];
    private int length; // bytes of buffer in use, from 0

    /**
     * @param badFrames told of a frame that does not decode; the frames after it are still read
     */
    public Reader(Consumer<DisplayMessage> messages, Consumer<RuntimeException> badFrames) {
      this.messages = messages;
      this.badFrames = badFrames;
    }

    // JShell's socket delivers a frame in packets of 127 bytes: appending each to what came before
    // costs nothing per packet (copying all of it each time made a 5 MB image quadratic).
    public synchronized void feed(byte[] b, int off, int len) {
      if (length + len > buffer.length) {
        buffer = Arrays.copyOf(buffer, Math.max(2 * buffer.length, length + len));
      }
      System.arraycopy(b, off, buffer, length, len);
      length += len;
      int at = 0;
      while (length - at >= 4) {
        int n =
            (buffer[at] & 0xFF) << 24
                | (buffer[at + 1] & 0xFF) << 16
                | (buffer[at + 2] & 0xFF) << 8
                | (buffer[at + 3] & 0xFF);
        if (n < 0 || n > Integer.MAX_VALUE - 8) {
          badFrames.accept(new IllegalArgumentException("a display frame of length " + n));
          length = 0;
          return;
        }
        if (length - at - 4 < n) {
          if (n + 4 > buffer.length) {
            buffer = Arrays.copyOf(buffer, n + 4); // room for the whole frame once
          }
          break;
        }
        DisplayMessage message = null;
        try {
          message = decode(buffer, at + 4, n);
        } catch (RuntimeException e) {
          badFrames.accept(e);
        }
        at += 4 + n;
        if (message != null) {
          messages.accept(message);
        }
      }
      if (at > 0) {
        System.arraycopy(buffer, at, buffer, 0, length - at);
        length -= at;
      }
    }
  }
}
