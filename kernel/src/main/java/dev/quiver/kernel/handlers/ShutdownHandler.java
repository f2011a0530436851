package dev.quiver.kernel.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.kernel.Interpreter;
import dev.quiver.kernel.Log;
import dev.quiver.kernel.wire.Message;

/**
 * {@code shutdown_request}: replies (on the request's socket and, as protocol 5.4 asks, on IOPub),
 * closes the interpreter and ends the process. A restart is the frontend's to do: it starts a new
 * kernel.
 */
final class ShutdownHandler implements RequestHandler {

  private final Interpreter interpreter;
  private final Transport transport;

  ShutdownHandler(Interpreter interpreter, Transport transport) {
    this.interpreter = interpreter;
    this.transport = transport;
  }

  @Override
  public ObjectNode handle(Message m, Origin origin) {
    var r = Replies.ok();
    r.put("restart", m.content().path("restart").asBoolean(false));
    origin.reply(m, "shutdown_reply", r);
    var event = Replies.ok();
    event.put("restart", r.get("restart").asBoolean());
    transport.publish(m, "shutdown_reply", event);
    Log.info("shutdown requested");
    transport.drain(500);
    try {
      interpreter.close();
    } finally {
      transport.exit();
    }
    return null;
  }
}
