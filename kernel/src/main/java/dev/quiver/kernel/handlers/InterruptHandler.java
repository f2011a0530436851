package dev.quiver.kernel.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.kernel.Interpreter;
import dev.quiver.kernel.wire.Message;

/** {@code interrupt_request} (on control, while a cell runs on shell): stops the running cell. */
final class InterruptHandler implements RequestHandler {

  private final Interpreter interpreter;
  private final EarlyInterrupts early;

  InterruptHandler(Interpreter interpreter, EarlyInterrupts early) {
    this.interpreter = interpreter;
    this.early = early;
  }

  @Override
  public ObjectNode handle(Message m, Origin origin) {
    early.interrupted(m); // first: a cell starting now sees it here or through the interpreter
    interpreter.interrupt();
    return Replies.ok();
  }
}
