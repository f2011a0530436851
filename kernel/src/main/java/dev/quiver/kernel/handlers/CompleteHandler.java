package dev.quiver.kernel.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.kernel.Interpreter;
import dev.quiver.kernel.wire.Message;

/**
 * {@code complete_request}: the interpreter's matches, with positions in code points as the
 * protocol counts them.
 */
final class CompleteHandler implements RequestHandler {

  private final Interpreter interpreter;

  CompleteHandler(Interpreter interpreter) {
    this.interpreter = interpreter;
  }

  @Override
  public ObjectNode handle(Message m, Origin origin) {
    var code = m.content().path("code").asText("");
    int cursor = CodePoints.cursor(m.content(), code);
    var result = interpreter.complete(code, cursor);
    var r = Replies.ok();
    var matches = r.putArray("matches");
    result.matches().forEach(matches::add);
    r.put("cursor_start", CodePoints.fromUtf16(code, result.start()));
    r.put("cursor_end", CodePoints.fromUtf16(code, result.end()));
    r.putObject("metadata");
    return r;
  }
}
