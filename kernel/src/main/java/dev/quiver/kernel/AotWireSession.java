package dev.quiver.kernel;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.kernel.handlers.History;
import dev.quiver.kernel.handlers.KernelCore;
import dev.quiver.kernel.server.KernelServer;
import dev.quiver.kernel.wire.ConnectionInfo;
import dev.quiver.kernel.wire.Message;
import dev.quiver.kernel.wire.WireCodec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The part of {@link AotTraining} a kernel's start needs most: the kernel served over ZeroMQ on
 * loopback, as Jupyter drives it, with a client in this JVM sending kernel_info, a few cells,
 * completion, inspection and history requests, and reading the replies and the IOPub messages.
 *
 * <p>Why: without it the cache held javac and JShell but not the transport: JeroMQ (about 180
 * classes), the wire codec's JSON and HMAC, NIO's selectors and the request handlers were loaded
 * from their jars, verified and linked on the kernel's main thread at every start, before it could
 * answer kernel_info.
 */
final class AotWireSession {

  private static final int TIMEOUT_MS = 120_000;

  private AotWireSession() {}

  /**
   * Serves {@code interpreter} on loopback for the length of a short session; returns whether every
   * request was answered (the server's threads are daemons: they end with the training JVM).
   */
  static boolean run(Interpreter interpreter, List<String> cells) throws IOException {
    var dir = Files.createTempDirectory("quiver-aot-wire");
    var history = dir.resolve("history.jsonl");
    // A history with a line in it: reading it is part of every start.
    Files.writeString(history, "{\"session\":1,\"line\":1,\"source\":\"1 + 1\"}\n");
    var key = UUID.randomUUID().toString();
    // Read from a connection file, as a kernel does: the parser's classes are in the cache too.
    var connection = dir.resolve("connection.json");
    Files.writeString(
        connection,
        String.format(
            java.util.Locale.ROOT,
            "{\"shell_port\": %d, \"iopub_port\": %d, \"stdin_port\": %d, \"control_port\": %d,"
                + " \"hb_port\": %d, \"ip\": \"127.0.0.1\", \"key\": \"%s\", \"transport\":"
                + " \"tcp\", \"signature_scheme\": \"hmac-sha256\", \"kernel_name\": \"quiver-java\"}",
            freePort(),
            freePort(),
            freePort(),
            freePort(),
            freePort(),
            key));
    var info = ConnectionInfo.read(connection);
    var server = new KernelServer(info);
    var core = new KernelCore(interpreter, new History(history), server);
    Thread.ofPlatform().daemon().name("quiver-aot-shell").start(() -> server.run(core));
    try (var context = new ZContext()) {
      var shell = context.createSocket(SocketType.DEALER);
      shell.setReceiveTimeOut(TIMEOUT_MS);
      shell.connect(info.endpoint(info.shellPort()));
      var iopub = context.createSocket(SocketType.SUB);
      iopub.subscribe(new byte[0]);
      iopub.connect(info.endpoint(info.iopubPort()));
      var control = context.createSocket(SocketType.DEALER);
      control.setReceiveTimeOut(TIMEOUT_MS);
      control.connect(info.endpoint(info.controlPort()));
      var codec = new WireCodec(key, "quiver-aot-client");
      boolean ok = request(shell, codec, "kernel_info_request", Message.object()) != null;
      ok &= request(control, codec, "kernel_info_request", Message.object()) != null;
      for (var cell : cells) {
        var content = Message.object();
        content.put("code", cell);
        content.put("silent", false);
        content.put("store_history", true);
        content.putObject("user_expressions");
        content.put("allow_stdin", false);
        ok &= request(shell, codec, "execute_request", content) != null;
        drain(iopub);
      }
      var complete = Message.object();
      complete.put("code", "Math.ma");
      complete.put("cursor_pos", 7);
      ok &= request(shell, codec, "complete_request", complete) != null;
      var inspect = Message.object();
      inspect.put("code", "Math.max");
      inspect.put("cursor_pos", 8);
      inspect.put("detail_level", 0);
      ok &= request(shell, codec, "inspect_request", inspect) != null;
      var isComplete = Message.object();
      isComplete.put("code", "for (int i = 0; i < 3; i++) {");
      ok &= request(shell, codec, "is_complete_request", isComplete) != null;
      var historyRequest = Message.object();
      historyRequest.put("hist_access_type", "tail");
      historyRequest.put("n", 10);
      historyRequest.put("output", false);
      historyRequest.put("raw", true);
      ok &= request(shell, codec, "history_request", historyRequest) != null;
      ok &= request(shell, codec, "comm_info_request", Message.object()) != null;
      drain(iopub);
      return ok;
    }
  }

  // Sends a request and waits for its reply; null when none came (KernelStartPortsTest uses it
  // too).
  static Message request(ZMQ.Socket socket, WireCodec codec, String type, ObjectNode c) {
    var m =
        new Message(
            List.of(), codec.header(type), Message.object(), Message.object(), c, List.of());
    var frames = codec.encode(m);
    for (int i = 0; i < frames.size(); i++) {
      socket.send(frames.get(i), i < frames.size() - 1 ? ZMQ.SNDMORE : 0);
    }
    while (true) {
      var reply = receive(socket, 0);
      if (reply == null) {
        return null;
      }
      try {
        var r = codec.decode(reply);
        if (r.parentHeader().path("msg_id").asText().equals(m.id())) {
          return r;
        }
      } catch (WireCodec.BadMessage e) {
        return null;
      }
    }
  }

  private static void drain(ZMQ.Socket iopub) {
    while (receive(iopub, ZMQ.DONTWAIT) != null) {
      // what a frontend shows; read so that the publisher's path is trained too
    }
  }

  private static List<byte[]> receive(ZMQ.Socket socket, int flags) {
    var first = socket.recv(flags);
    if (first == null) {
      return null;
    }
    var frames = new ArrayList<byte[]>();
    frames.add(first);
    while (socket.hasReceiveMore()) {
      frames.add(socket.recv(0));
    }
    return frames;
  }

  private static int freePort() throws IOException {
    try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
