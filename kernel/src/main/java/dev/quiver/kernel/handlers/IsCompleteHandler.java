package dev.quiver.kernel.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.kernel.Interpreter;
import dev.quiver.kernel.wire.Message;

/** {@code is_complete_request}: whether the console should run the code or wait for more lines. */
final class IsCompleteHandler implements RequestHandler {

  private final Interpreter interpreter;

  IsCompleteHandler(Interpreter interpreter) {
    this.interpreter = interpreter;
  }

  @Override
  public ObjectNode handle(Message m, Origin origin) {
    var result = interpreter.isComplete(m.content().path("code").asText(""));
    var r = Replies.JSON.objectNode();
    r.put("status", result.status());
    if (result.status().equals("incomplete")) {
      r.put("indent", result.indent());
    }
    return r;
  }
}
