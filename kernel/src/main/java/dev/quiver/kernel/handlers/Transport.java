package dev.quiver.kernel.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.kernel.wire.Message;

/**
 * What request handling needs from the transport (the sockets and their threads, see {@code
 * dev.quiver.kernel.server.KernelServer}): the IOPub and stdin channels, and the way out. Callable
 * from any thread.
 */
public interface Transport {

  /** Queues a message for IOPub, as a child of {@code parent} (null: of no request). */
  void publish(Message parent, String type, ObjectNode content);

  /**
   * Asks the frontend that sent {@code parent} for a line on the stdin channel; blocks.
   *
   * @return the line, or null when the wait was interrupted
   */
  String input(Message parent, String prompt, boolean password);

  /** Waits (at most {@code millis}) until what was published so far has left. */
  void drain(long millis);

  /** Closes the sockets, letting queued replies leave, and ends the process. Does not return. */
  void exit();
}
