package dev.quiver.kernel.server;

import dev.quiver.kernel.Log;
import dev.quiver.kernel.wire.Message;
import dev.quiver.kernel.wire.WireCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.LinkedBlockingDeque;
import org.zeromq.ZMQ;

/**
 * Owns the IOPub socket. Any thread hands it messages through {@link #publish}; consecutive stream
 * messages of one stream and one request are merged, so a loop that prints a line at a time does
 * not flood the frontend.
 */
final class Publisher implements Runnable {

  private static final Message STOP =
      new Message(
          List.of(),
          Message.object(),
          Message.object(),
          Message.object(),
          Message.object(),
          List.of());

  private final ZMQ.Socket socket;
  private final WireCodec codec;
  private final LinkedBlockingDeque<Message> queue = new LinkedBlockingDeque<>();

  Publisher(ZMQ.Socket socket, WireCodec codec) {
    this.socket = socket;
    this.codec = codec;
  }

  void publish(Message m) {
    queue.add(m);
  }

  void stop() {
    queue.add(STOP);
  }

  /** Waits (at most {@code millis}) until everything queued so far has been sent. */
  void drain(long millis) {
    long deadline = System.currentTimeMillis() + millis;
    while (!queue.isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  @Override
  public void run() {
    try {
      while (true) {
        var m = queue.take();
        if (m == STOP) {
          return;
        }
        if (m.type().equals("stream")) {
          m = mergeFollowingStreams(m);
        }
        var topic =
            ("kernel." + m.header().path("session").asText() + "." + m.type())
                .getBytes(StandardCharsets.UTF_8);
        var routed =
            new Message(
                List.of(topic),
                m.header(),
                m.parentHeader(),
                m.metadata(),
                m.content(),
                m.buffers());
        Channels.send(socket, codec, routed);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      Log.info("iopub publisher stopped: " + e);
    }
  }

  private Message mergeFollowingStreams(Message first) {
    var name = first.content().path("name").asText();
    var parent = first.parentHeader().path("msg_id").asText();
    var text = new StringBuilder(first.content().path("text").asText());
    while (true) {
      var next = queue.peek();
      if (next == null
          || !next.type().equals("stream")
          || !next.content().path("name").asText().equals(name)
          || !next.parentHeader().path("msg_id").asText().equals(parent)
          || text.length() > 1 << 20) {
        break;
      }
      queue.poll();
      text.append(next.content().path("text").asText());
    }
    first.content().put("text", text.toString());
    return first;
  }
}
