package dev.quiver.kernel.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns frames into {@link Message}s and back, signing with HMAC-SHA256; a message whose signature
 * was accepted before is refused as a replay ({@link SeenSignatures}).
 *
 * <p>Not thread-safe (it holds a {@link Mac}): each socket-owning thread has its own codec.
 */
public final class WireCodec {

  public static final String DELIMITER = "<IDS|MSG>";
  public static final String PROTOCOL_VERSION = "5.4";
  private static final byte[] DELIMITER_BYTES = DELIMITER.getBytes(StandardCharsets.US_ASCII);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX");

  private final Mac mac; // null when the key is empty: no signing
  private final String session;

  private final SeenSignatures seen;

  public WireCodec(String key, String session) {
    this(key, session, new SeenSignatures());
  }

  /**
   * @param seen the signatures already accepted, shared by the codecs of every channel: a message
   *     sent again is refused
   */
  public WireCodec(String key, String session, SeenSignatures seen) {
    this.session = session;
    this.seen = seen;
    if (key == null || key.isEmpty()) {
      mac = null;
    } else {
      try {
        mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      } catch (NoSuchAlgorithmException | InvalidKeyException e) {
        throw new IllegalStateException("HMAC-SHA256 is not available in this JDK", e);
      }
    }
  }

  /**
   * Makes, once per JVM, what the first codec and the first message need and which is slow to make
   * the first time: Jackson's {@code ObjectMapper} (tens of milliseconds of class initialization),
   * the HMAC's provider (the JDK loads the providers before the one that has it), the random source
   * of session and message ids. The kernel calls it on a thread of its own as it starts, so that
   * this happens while its main thread binds the ports and starts the cell JVM.
   */
  public static void warmUp() {
    JSON.createObjectNode();
    try {
      Mac.getInstance("HmacSHA256");
    } catch (NoSuchAlgorithmException e) {
      // the first codec says so
    }
    UUID.randomUUID();
  }

  /** Why a frame list was refused; carries no secret, so it can be logged. */
  public static final class BadMessage extends Exception {
    public BadMessage(String why) {
      super(why, null, false, false);
    }
  }

  /** Parses and verifies; throws {@link BadMessage} for anything malformed or badly signed. */
  public Message decode(List<byte[]> frames) throws BadMessage {
    int delim = -1;
    for (int i = 0; i < frames.size(); i++) {
      if (Arrays.equals(frames.get(i), DELIMITER_BYTES)) {
        delim = i;
        break;
      }
    }
    if (delim < 0) {
      throw new BadMessage("no <IDS|MSG> delimiter among " + frames.size() + " frames");
    }
    if (frames.size() < delim + 6) {
      throw new BadMessage(
          "only " + (frames.size() - delim - 1) + " frames after the delimiter, need 5");
    }
    byte[] signature = frames.get(delim + 1);
    byte[] header = frames.get(delim + 2);
    byte[] parent = frames.get(delim + 3);
    byte[] metadata = frames.get(delim + 4);
    byte[] content = frames.get(delim + 5);
    if (mac != null) {
      byte[] expected =
          HexFormat.of()
              .formatHex(sign(header, parent, metadata, content))
              .getBytes(StandardCharsets.US_ASCII);
      // Constant time: the comparison does not stop at the first differing byte.
      if (!MessageDigest.isEqual(expected, signature)) {
        throw new BadMessage(signature.length == 0 ? "missing signature" : "invalid signature");
      }
      if (!seen.firstTime(signature)) {
        throw new BadMessage("replayed message: its signature was seen before");
      }
    }
    var identities = new ArrayList<>(frames.subList(0, delim));
    var buffers = new ArrayList<>(frames.subList(delim + 6, frames.size()));
    var h = object(header, "header");
    if (!h.path("msg_type").isTextual() || !h.path("msg_id").isTextual()) {
      throw new BadMessage("header has no msg_type or msg_id");
    }
    return new Message(
        identities,
        h,
        object(parent, "parent_header"),
        object(metadata, "metadata"),
        object(content, "content"),
        buffers);
  }

  /** The frames of {@code m}, signed. */
  public List<byte[]> encode(Message m) {
    byte[] header = bytes(m.header());
    byte[] parent = bytes(m.parentHeader());
    byte[] metadata = bytes(m.metadata());
    byte[] content = bytes(m.content());
    var frames = new ArrayList<byte[]>(m.identities().size() + 6 + m.buffers().size());
    frames.addAll(m.identities());
    frames.add(DELIMITER_BYTES);
    frames.add(
        mac == null
            ? new byte[0]
            : HexFormat.of()
                .formatHex(sign(header, parent, metadata, content))
                .getBytes(StandardCharsets.US_ASCII));
    frames.add(header);
    frames.add(parent);
    frames.add(metadata);
    frames.add(content);
    frames.addAll(m.buffers());
    return frames;
  }

  /** A new message of {@code type} in reply to {@code parent} (null for none), routed like it. */
  public Message reply(Message parent, String type, ObjectNode content) {
    return new Message(
        parent == null ? List.of() : parent.identities(),
        header(type),
        parent == null ? Message.object() : parent.header(),
        Message.object(),
        content,
        List.of());
  }

  public ObjectNode header(String type) {
    return header(type, session);
  }

  /** A new message header; needs no codec (no key), so any thread can make one. */
  public static ObjectNode header(String type, String session) {
    var h = Message.object();
    h.put("msg_id", UUID.randomUUID().toString());
    h.put("session", session);
    h.put("username", "kernel");
    h.put("date", OffsetDateTime.now(ZoneOffset.UTC).format(DATE));
    h.put("msg_type", type);
    h.put("version", PROTOCOL_VERSION);
    return h;
  }

  private byte[] sign(byte[]... parts) {
    for (var p : parts) {
      mac.update(p);
    }
    return mac.doFinal();
  }

  private static ObjectNode object(byte[] json, String part) throws BadMessage {
    JsonNode node;
    try {
      node = JSON.readTree(json);
    } catch (Exception e) {
      throw new BadMessage(part + " is not JSON");
    }
    if (node == null || node.isMissingNode()) {
      return Message.object();
    }
    if (!(node instanceof ObjectNode o)) {
      throw new BadMessage(part + " is not a JSON object");
    }
    return o;
  }

  private static byte[] bytes(ObjectNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (Exception e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }
}
