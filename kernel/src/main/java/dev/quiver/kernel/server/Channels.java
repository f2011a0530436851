package dev.quiver.kernel.server;

import dev.quiver.kernel.wire.Message;
import dev.quiver.kernel.wire.WireCodec;
import java.util.ArrayList;
import java.util.List;
import org.zeromq.ZFrame;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

/** Frame-level helpers shared by the socket-owning threads. */
final class Channels {
  private Channels() {}

  /** All frames of the next message; null when the socket was closed or the context ended. */
  static List<byte[]> receive(ZMQ.Socket socket, int flags) {
    ZMsg msg = ZMsg.recvMsg(socket, flags);
    if (msg == null) {
      return null;
    }
    var frames = new ArrayList<byte[]>(msg.size());
    for (ZFrame f : msg) {
      frames.add(f.getData() == null ? new byte[0] : f.getData());
    }
    msg.destroy();
    return frames;
  }

  static void send(ZMQ.Socket socket, WireCodec codec, Message m) {
    var frames = codec.encode(m);
    for (int i = 0; i < frames.size(); i++) {
      socket.send(frames.get(i), i < frames.size() - 1 ? ZMQ.SNDMORE : 0);
    }
  }
}
