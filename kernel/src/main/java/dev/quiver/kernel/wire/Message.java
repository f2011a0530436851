package dev.quiver.kernel.wire;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * One Jupyter message as it travels: routing identities, then the four JSON parts and any binary
 * buffers.
 */
public record Message(
    List<byte[]> identities,
    ObjectNode header,
    ObjectNode parentHeader,
    ObjectNode metadata,
    ObjectNode content,
    List<byte[]> buffers) {

  public String type() {
    var t = header.get("msg_type");
    return t == null ? "" : t.asText();
  }

  public String id() {
    var t = header.get("msg_id");
    return t == null ? "" : t.asText();
  }

  public static ObjectNode object() {
    return JsonNodeFactory.instance.objectNode();
  }
}
