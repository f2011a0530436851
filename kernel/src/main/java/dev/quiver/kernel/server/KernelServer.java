package dev.quiver.kernel.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.kernel.Log;
import dev.quiver.kernel.handlers.KernelCore;
import dev.quiver.kernel.handlers.Origin;
import dev.quiver.kernel.handlers.Transport;
import dev.quiver.kernel.wire.ConnectionInfo;
import dev.quiver.kernel.wire.Message;
import dev.quiver.kernel.wire.SeenSignatures;
import dev.quiver.kernel.wire.WireCodec;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;

/**
 * The transport, as xeus's {@code xserver_zmq}: five sockets, each owned by one thread.
 *
 * <ul>
 *   <li>shell (ROUTER): the calling thread; runs requests one at a time, cells included;
 *   <li>control (ROUTER): its own thread, so interrupt and shutdown are answered while a cell runs;
 *   <li>stdin (ROUTER): its own thread ({@link StdinChannel}), used by cells that read input;
 *   <li>iopub (PUB): its own thread ({@link Publisher}); every other thread queues messages for it;
 *   <li>heartbeat (REP): its own thread, echoing; it never waits on anything else.
 * </ul>
 *
 * Every socket blocks in ZeroMQ's receive (no sleeping, no busy polling). A message that does not
 * decode or verify is logged and dropped; the requests that do go to {@link KernelCore}, which
 * handles them (and answers one whose handler throws with an error reply); neither affects any
 * channel.
 */
public final class KernelServer implements Transport {

  private final ConnectionInfo info;
  // This kernel's session id, made when it starts serving (not before the ports are bound: see
  // WireCodec.warmUp).
  private volatile String session;
  private final ZContext context = new ZContext();
  // A flood of bad messages must not flood the log: the first 20, then one in 1000.
  private final AtomicLong dropped = new AtomicLong();
  static final int IOPUB_QUEUE = 100_000;
  private final SeenSignatures seenSignatures = new SeenSignatures(); // shared by every channel
  private Publisher publisher;
  private StdinChannel stdin;
  private ZMQ.Socket shellSocket;
  private ZMQ.Socket controlSocket;
  private ZMQ.Socket stdinChannelSocket;
  private ZMQ.Socket iopubSocket;
  private ZMQ.Socket heartbeatSocket;

  public KernelServer(ConnectionInfo info) {
    this.info = info;
  }

  /**
   * Binds every socket, starts the other threads, starts {@code core}, and serves the shell socket
   * on this thread.
   */
  public void run(KernelCore core) {
    bind();
    session = UUID.randomUUID().toString();
    var shell = shellSocket;
    var control = controlSocket;
    var stdinSocket = stdinChannelSocket;
    var iopub = iopubSocket;
    var heartbeat = heartbeatSocket;

    publisher = new Publisher(iopub, codec());
    stdin = new StdinChannel(stdinSocket, codec());
    Thread.ofPlatform().daemon().name("quiver-iopub").start(publisher);
    Thread.ofPlatform().daemon().name("quiver-stdin").start(stdin);
    Thread.ofPlatform().daemon().name("quiver-heartbeat").start(() -> heartbeat(heartbeat));
    Thread.ofPlatform()
        .daemon()
        .name("quiver-control")
        .start(() -> serve(control, "control", core));
    core.start();
    serve(shell, "shell", core);
  }

  /**
   * Binds the five ports of the connection file now (once; {@link #run} calls it too). The kernel
   * calls it first thing, before it starts the cell JVM: that JVM and the JDI connection to it take
   * ephemeral ports, and the frontend chose the connection file's ports from the same range and
   * closed them again, so a port bound later could already be taken ("Address already in use" ended
   * one benchmark start in a few hundred). A port that is taken fails with its endpoint named.
   */
  public synchronized void bind() {
    if (shellSocket != null) {
      return;
    }
    shellSocket = bind(SocketType.ROUTER, info.shellPort());
    controlSocket = bind(SocketType.ROUTER, info.controlPort());
    stdinChannelSocket = bind(SocketType.ROUTER, info.stdinPort());
    iopubSocket = bind(SocketType.PUB, info.iopubPort());
    heartbeatSocket = bind(SocketType.REP, info.hbPort());
  }

  private ZMQ.Socket bind(SocketType type, int port) {
    var socket = context.createSocket(type);
    socket.setLinger(1000);
    if (type == SocketType.ROUTER) {
      socket.setRouterMandatory(false);
    }
    if (type == SocketType.PUB) {
      // ZeroMQ's default of 1 000 queued messages dropped output a frontend did not take at once
      // (a cell that printed 50 MB reached it with 18 MB, no word said). A cell's output is
      // limited and coalesced in few messages (handlers.CellOutput), so the queue stays short;
      // this keeps it from dropping them. Set before bind: connections take the listener's value.
      socket.setSndHWM(IOPUB_QUEUE);
    }
    var endpoint = info.endpoint(port);
    boolean bound;
    try {
      bound = socket.bind(endpoint);
    } catch (ZMQException e) {
      throw new IllegalStateException("cannot bind " + endpoint + ": " + e.getMessage(), e);
    }
    if (!bound) {
      throw new IllegalStateException("cannot bind " + endpoint);
    }
    return socket;
  }

  private WireCodec codec() {
    return new WireCodec(info.key(), session, seenSignatures);
  }

  private void heartbeat(ZMQ.Socket socket) {
    try {
      while (!Thread.currentThread().isInterrupted()) {
        var ping = Channels.receive(socket, 0);
        if (ping == null) {
          return;
        }
        for (int i = 0; i < ping.size(); i++) {
          socket.send(ping.get(i), i < ping.size() - 1 ? ZMQ.SNDMORE : 0);
        }
      }
    } catch (org.zeromq.ZMQException e) {
      // Closing the context at shutdown ends the receive this way; only anything else is news.
      if (e.getErrorCode() != zmq.ZError.ETERM) {
        Log.info("heartbeat stopped: " + e);
      }
    } catch (RuntimeException e) {
      Log.info("heartbeat stopped: " + e);
    }
  }

  private void serve(ZMQ.Socket socket, String channel, KernelCore core) {
    var origin = new SocketOrigin(socket, channel, codec());
    while (true) {
      List<byte[]> frames;
      try {
        frames = Channels.receive(socket, 0);
      } catch (RuntimeException e) {
        if (context.isClosed()
            || e instanceof org.zeromq.ZMQException z
                && z.getErrorCode() == ZMQ.Error.ETERM.getCode()) {
          return; // shutting down
        }
        Log.info(channel + ": receive failed: " + e);
        continue;
      }
      if (frames == null) {
        return;
      }
      var m = origin.decode(frames);
      if (m != null) {
        core.handle(origin, m);
      }
    }
  }

  /** A shell or control socket, owned by the thread that serves it, with that thread's codec. */
  private final class SocketOrigin implements Origin {

    private final ZMQ.Socket socket;
    private final String channel;
    private final WireCodec codec;

    SocketOrigin(ZMQ.Socket socket, String channel, WireCodec codec) {
      this.socket = socket;
      this.channel = channel;
      this.codec = codec;
    }

    @Override
    public String channel() {
      return channel;
    }

    @Override
    public void reply(Message request, String type, ObjectNode content) {
      Channels.send(socket, codec, codec.reply(request, type, content));
    }

    // Wakes nextUntil's poll when the cell it waits for is done (created on first use).
    private java.nio.channels.Pipe wake;
    private ZMQ.Poller poller;

    @Override
    public Message nextUntil(java.util.concurrent.CompletableFuture<?> done) {
      try {
        if (poller == null) {
          wake = java.nio.channels.Pipe.open();
          wake.source().configureBlocking(false);
          poller = context.createPoller(2);
          poller.register(socket, ZMQ.Poller.POLLIN);
          poller.register(wake.source(), ZMQ.Poller.POLLIN);
        }
        var sink = wake.sink();
        done.whenComplete(
            (r, e) -> {
              try {
                synchronized (sink) {
                  sink.write(java.nio.ByteBuffer.wrap(new byte[] {1}));
                }
              } catch (java.io.IOException ignored) {
                // the kernel is closing
              }
            });
        var drain = java.nio.ByteBuffer.allocate(64);
        while (!done.isDone()) {
          var m = nextWaiting();
          if (m != null) {
            return m;
          }
          poller.poll(-1);
          while (wake.source().read(drain.clear()) > 0) {
            // emptied: a wake-up is a byte
          }
        }
        return null; // what came meanwhile waits in the socket for the serve loop
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Override
    public Message nextWaiting() {
      List<byte[]> frames;
      while ((frames = Channels.receive(socket, ZMQ.DONTWAIT)) != null) {
        var m = decode(frames);
        if (m != null) {
          return m;
        }
      }
      return null;
    }

    // The message, or null (logged) when it does not decode or verify.
    Message decode(List<byte[]> frames) {
      try {
        return codec.decode(frames);
      } catch (WireCodec.BadMessage bad) {
        long n = dropped.incrementAndGet();
        if (n <= 20 || n % 1000 == 0) {
          Log.info(
              channel
                  + ": dropped a message: "
                  + bad.getMessage()
                  + (n == 20 ? " (logging only every 1000th from now on)" : ""));
        }
        return null;
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // Transport

  @Override
  public void publish(Message parent, String type, ObjectNode content) {
    // Not codec().header: a codec makes and keys an HMAC, and a cell publishes five messages or
    // more.
    var m =
        new Message(
            List.of(),
            WireCodec.header(type, session),
            parent == null ? Message.object() : parent.header(),
            Message.object(),
            content,
            List.of());
    publisher.publish(m);
  }

  @Override
  public String input(Message parent, String prompt, boolean password) {
    return stdin.ask(parent, prompt, password);
  }

  @Override
  public void drain(long millis) {
    publisher.drain(millis);
  }

  @Override
  public void exit() {
    // The shutdown reply is queued on the control socket; linger lets it leave.
    Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              try {
                context.close();
              } catch (RuntimeException ignored) {
                // exiting anyway
              }
            });
    try {
      Thread.sleep(100);
    } catch (InterruptedException ignored) {
      Thread.currentThread().interrupt();
    }
    Log.exitNow(0, 3000);
  }
}
