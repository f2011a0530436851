package dev.quiver.kernel.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.kernel.wire.Message;

/** The socket a request came in on (shell or control): where its reply goes. */
public interface Origin {

  /** "shell" or "control". */
  String channel();

  /** Sends the reply to {@code request}, of message type {@code type}, on this socket. */
  void reply(Message request, String type, ObjectNode content);

  /**
   * The next request already waiting on this socket, without waiting for one; null when there is
   * none.
   */
  Message nextWaiting();
}
