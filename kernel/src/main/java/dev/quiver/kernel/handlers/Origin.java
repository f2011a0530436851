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

  /**
   * Waits for the next request on this socket, or for {@code done} to complete, whichever comes
   * first; the request, or null once {@code done} is complete. The default waits for {@code done}
   * only.
   */
  default Message nextUntil(java.util.concurrent.CompletableFuture<?> done) {
    done.exceptionally(e -> null).join();
    return null;
  }
}
