package dev.quiver.kernel.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.kernel.Interpreter;
import dev.quiver.kernel.wire.Message;

/** {@code interrupt_request} (on control, while a cell runs on shell): stops the running cell. */
final class InterruptHandler implements RequestHandler {

  private final Interpreter interpreter;

  InterruptHandler(Interpreter interpreter) {
    this.interpreter = interpreter;
  }

  @Override
  public ObjectNode handle(Message m, Origin origin) {
    interpreter.interrupt();
    return Replies.ok();
  }
}
