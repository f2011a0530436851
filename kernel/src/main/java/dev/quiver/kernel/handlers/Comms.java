package dev.quiver.kernel.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.kernel.wire.Message;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Comms: {@code comm_open}, {@code comm_msg}, {@code comm_close} (no replies) and {@code
 * comm_info_request}, over the open comms by id. The one target is {@value #ECHO_TARGET}; opening
 * any other is answered with a {@code comm_close} that says so.
 */
final class Comms {

  /**
   * The one built-in comm target: it sends back each message's data (for tests and frontends that
   * probe comms).
   */
  static final String ECHO_TARGET = "quiver.echo";

  private final Transport transport;
  private final Map<String, String> open = new ConcurrentHashMap<>(); // comm id -> target name

  Comms(Transport transport) {
    this.transport = transport;
  }

  ObjectNode open(Message m, Origin origin) {
    var c = m.content();
    var id = c.path("comm_id").asText("");
    var target = c.path("target_name").asText("");
    if (target.equals(ECHO_TARGET)) {
      open.put(id, target);
    } else {
      var close = Replies.JSON.objectNode();
      close.put("comm_id", id);
      close.putObject("data").put("error", "no comm target named " + target);
      transport.publish(m, "comm_close", close);
    }
    return null;
  }

  ObjectNode message(Message m, Origin origin) {
    var c = m.content();
    var id = c.path("comm_id").asText("");
    if (ECHO_TARGET.equals(open.get(id))) {
      var echo = Replies.JSON.objectNode();
      echo.put("comm_id", id);
      echo.set("data", c.path("data").isObject() ? c.get("data") : Replies.JSON.objectNode());
      transport.publish(m, "comm_msg", echo);
    }
    return null;
  }

  ObjectNode close(Message m, Origin origin) {
    open.remove(m.content().path("comm_id").asText(""));
    return null;
  }

  ObjectNode info(Message m, Origin origin) {
    var target = m.content().path("target_name").asText(null);
    var r = Replies.ok();
    var list = r.putObject("comms");
    open.forEach(
        (id, name) -> {
          if (target == null || target.equals(name)) {
            list.putObject(id).put("target_name", name);
          }
        });
    return r;
  }
}
