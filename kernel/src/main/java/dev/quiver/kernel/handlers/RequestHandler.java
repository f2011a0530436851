package dev.quiver.kernel.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.kernel.wire.Message;

/**
 * Handles one message type. {@link KernelCore} publishes the busy and idle status around it and
 * sends the reply it returns.
 */
@FunctionalInterface
public interface RequestHandler {

  /**
   * @return the reply's content, or null when there is no reply to send (or it was sent already)
   */
  ObjectNode handle(Message request, Origin origin);
}
