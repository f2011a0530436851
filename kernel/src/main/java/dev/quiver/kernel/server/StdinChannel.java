package dev.quiver.kernel.server;

import dev.quiver.kernel.Log;
import dev.quiver.kernel.wire.Message;
import dev.quiver.kernel.wire.WireCodec;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import org.zeromq.ZMQ;

/**
 * Owns the stdin socket. A cell that reads input calls {@link #ask}; this thread sends the {@code
 * input_request} to the frontend that sent the execute request and waits for its reply.
 */
final class StdinChannel implements Runnable {

  private record Request(
      Message parent, String prompt, boolean password, CompletableFuture<String> answer) {}

  private final ZMQ.Socket socket;
  private final WireCodec codec;
  private final LinkedBlockingQueue<Request> requests = new LinkedBlockingQueue<>();

  StdinChannel(ZMQ.Socket socket, WireCodec codec) {
    this.socket = socket;
    this.codec = codec;
  }

  /** The user's line, or null when the wait was interrupted. Blocks the calling thread. */
  String ask(Message parent, String prompt, boolean password) {
    var r = new Request(parent, prompt, password, new CompletableFuture<>());
    requests.add(r);
    try {
      return r.answer().get();
    } catch (InterruptedException e) {
      r.answer().cancel(false);
      return null;
    } catch (ExecutionException e) {
      return null;
    }
  }

  @Override
  public void run() {
    try {
      while (true) {
        var r = requests.take();
        // Replies that came too late for an earlier request are stale.
        while (Channels.receive(socket, ZMQ.DONTWAIT) != null) {
          Log.info("stdin: dropped a message that answered no pending request");
        }
        var content = Message.object();
        content.put("prompt", r.prompt());
        content.put("password", r.password());
        Channels.send(socket, codec, codec.reply(r.parent(), "input_request", content));
        while (!r.answer().isDone()) {
          var frames = pollOnce(100);
          if (frames == null) {
            continue;
          }
          try {
            var reply = codec.decode(frames);
            if (reply.type().equals("input_reply")) {
              r.answer().complete(reply.content().path("value").asText(""));
            }
          } catch (WireCodec.BadMessage bad) {
            Log.info("stdin: dropped a message: " + bad.getMessage());
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      Log.info("stdin channel stopped: " + e);
    }
  }

  // Waits up to `millis` for a message; the timeout only lets a cancelled request end the wait.
  private java.util.List<byte[]> pollOnce(int millis) {
    socket.setReceiveTimeOut(millis);
    try {
      return Channels.receive(socket, 0);
    } finally {
      socket.setReceiveTimeOut(-1);
    }
  }
}
