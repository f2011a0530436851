package dev.quiver.kernel.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.agent.DisplayCodec;
import dev.quiver.kernel.Interpreter;
import dev.quiver.kernel.wire.Message;

/** {@code inspect_request}: the interpreter's documentation of what is at the cursor. */
final class InspectHandler implements RequestHandler {

  private final Interpreter interpreter;

  InspectHandler(Interpreter interpreter) {
    this.interpreter = interpreter;
  }

  @Override
  public ObjectNode handle(Message m, Origin origin) {
    var code = m.content().path("code").asText("");
    int cursor = CodePoints.cursor(m.content(), code);
    var result = interpreter.inspect(code, cursor, m.content().path("detail_level").asInt(0));
    var r = Replies.ok();
    r.put("found", result.found());
    if (result.found()) {
      var b = DisplayCodec.toJson(result.bundle());
      r.set("data", b.get("data"));
      r.set("metadata", b.get("metadata"));
    } else {
      r.putObject("data");
      r.putObject("metadata");
    }
    return r;
  }
}
