package dev.quiver.kernel.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.kernel.Interpreter;
import dev.quiver.kernel.Log;
import dev.quiver.kernel.wire.Message;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Request handling, as xeus's {@code xkernel_core}: one {@link RequestHandler} per message type,
 * the busy/idle status around each request, its reply, and the "run all" that stops at a failed
 * cell. It knows neither sockets (see {@link Transport}, {@link Origin}) nor the language (see
 * {@link Interpreter}).
 *
 * <p>The shell thread and the control thread call {@link #handle} at the same time; execute
 * requests come only from the shell thread. A cell runs on a thread of its own ({@value
 * #CELL_THREAD}) while the shell thread goes on reading the shell socket: comm messages (a widget's
 * button, a slider) are handled at once, so code in the cell JVM hears them while the cell runs;
 * other requests wait for the cell, in order, as before.
 */
public final class KernelCore {

  private static final Set<String> COMM_MESSAGES = Set.of("comm_open", "comm_msg", "comm_close");

  private final Interpreter interpreter;
  private final Transport transport;
  private final ExecuteHandler execute;
  private final Map<String, RequestHandler> handlers = new HashMap<>();
  private final EarlyInterrupts early = new EarlyInterrupts();
  private final Comms comms;
  static final String CELL_THREAD = "quiver-cell";
  private final ExecutorService cells =
      Executors.newSingleThreadExecutor(
          r -> Thread.ofPlatform().daemon().name(CELL_THREAD).stackSize(16 << 20).unstarted(r));
  // Shell requests that came while a cell ran, waiting for it (shell thread only).
  private final ArrayDeque<Message> deferred = new ArrayDeque<>();

  public KernelCore(Interpreter interpreter, History history, Transport transport) {
    this.interpreter = interpreter;
    this.transport = transport;
    this.comms = new Comms(transport, interpreter);
    this.execute = new ExecuteHandler(interpreter, history, transport, early, comms);
    interpreter.connect(comms);
    handlers.put("kernel_info_request", new KernelInfoHandler(interpreter));
    handlers.put("execute_request", execute);
    handlers.put("is_complete_request", new IsCompleteHandler(interpreter));
    handlers.put("complete_request", new CompleteHandler(interpreter));
    handlers.put("inspect_request", new InspectHandler(interpreter));
    handlers.put("history_request", new HistoryHandler(history));
    handlers.put("comm_info_request", comms::info);
    handlers.put("comm_open", comms::open);
    handlers.put("comm_msg", (m, o) -> null); // see dispatch
    handlers.put("comm_close", comms::close);
    handlers.put("interrupt_request", new InterruptHandler(interpreter, early));
    handlers.put("shutdown_request", new ShutdownHandler(interpreter, transport));
  }

  /** SIGINT: interrupts as an {@code interrupt_request} does. */
  public void interrupt() {
    early.interrupted(null);
    interpreter.interrupt();
  }

  /**
   * Says "starting" and has the interpreter start what is slow to start; the transport calls it
   * once its sockets are bound, so the frontend hears from the kernel first.
   */
  public void start() {
    publishStatus(null, "starting");
    interpreter.start();
  }

  /**
   * Handles one request that came in on {@code origin}. A handler that throws is logged and
   * answered with an error reply; it affects no other request.
   */
  public void handle(Origin origin, Message m) {
    handleOne(origin, m);
    if (origin.channel().equals("shell")) {
      Message next;
      while ((next = deferred.poll()) != null) {
        handleOne(origin, next);
      }
    }
  }

  private void handleOne(Origin origin, Message m) {
    try {
      dispatch(origin, m);
    } catch (RuntimeException e) {
      Log.info(origin.channel() + ": " + m.type() + " failed: " + e);
      e.printStackTrace();
      try {
        var content = Replies.error(e.getClass().getName(), String.valueOf(e.getMessage()));
        origin.reply(m, Replies.replyType(m.type()), content);
        publishStatus(m, "idle");
      } catch (RuntimeException ignored) {
        // nothing more to do for this message
      }
    }
  }

  private void dispatch(Origin origin, Message m) {
    var type = m.type();
    if (COMM_MESSAGES.contains(type)) { // comm messages have no reply
      publishStatus(m, "busy");
      boolean idleLater = false;
      if (type.equals("comm_msg")) {
        idleLater = comms.message(m); // the language says when it is done with it
      } else {
        handlers.get(type).handle(m, origin);
      }
      if (!idleLater) {
        publishStatus(m, "idle");
      }
      return;
    }
    if (!type.endsWith("_request")) {
      Log.info(origin.channel() + ": ignored a " + type + " message");
      return;
    }
    publishStatus(m, "busy");
    var handler = handlers.get(type);
    ObjectNode reply;
    if (handler == null) {
      Log.info(origin.channel() + ": unknown request " + type);
      reply = Replies.error("UnknownRequest", "this kernel does not handle " + type);
    } else if (handler == execute && !origin.channel().equals("shell")) {
      reply = Replies.error("NotOnControl", "execute_request belongs on shell");
    } else if (handler == execute) {
      reply = runCell(m, origin);
    } else {
      reply = handler.handle(m, origin);
    }
    if (origin.channel().equals("shell") && execute.takeAbortRequest()) {
      // Before the failed cell's reply: a client that waits for it before sending its next
      // cell must never see that cell aborted.
      abortWaitingExecutes(origin);
    }
    if (reply != null) {
      origin.reply(m, Replies.replyType(type), reply);
    }
    publishStatus(m, "idle");
  }

  /**
   * After a cell fails with stop_on_error, the execute requests already waiting (a "run all") are
   * answered "aborted" instead of run, as Jupyter frontends expect; other requests are served.
   */
  private void abortWaitingExecutes(Origin origin) {
    Message m;
    while ((m = nextWaiting(origin)) != null) {
      if (m.type().equals("execute_request")) {
        publishStatus(m, "busy");
        origin.reply(m, "execute_reply", execute.aborted());
        publishStatus(m, "idle");
      } else {
        handle(origin, m);
      }
    }
  }

  private Message nextWaiting(Origin origin) {
    var m = deferred.poll();
    return m != null ? m : origin.nextWaiting();
  }

  /**
   * Runs the cell on {@value #CELL_THREAD}; meanwhile comm messages are handled and other requests
   * deferred until it is done.
   */
  private ObjectNode runCell(Message m, Origin origin) {
    var done = new CompletableFuture<ObjectNode>();
    cells.execute(
        () -> {
          try {
            done.complete(execute.handle(m, origin));
          } catch (Throwable t) {
            done.completeExceptionally(t);
          }
        });
    while (!done.isDone()) {
      var next = origin.nextUntil(done);
      if (next == null) {
        continue;
      }
      if (COMM_MESSAGES.contains(next.type()) || next.type().equals("comm_info_request")) {
        handleOne(origin, next);
      } else {
        deferred.add(next);
      }
    }
    try {
      return done.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  private void publishStatus(Message parent, String state) {
    var c = Replies.JSON.objectNode();
    c.put("execution_state", state);
    transport.publish(parent, "status", c);
  }
}
