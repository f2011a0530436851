package dev.quiver.kernel.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.agent.DisplayCodec;
import dev.quiver.display.MimeBundle;
import dev.quiver.kernel.Interpreter;
import dev.quiver.kernel.wire.ConnectionInfo;
import dev.quiver.kernel.wire.Message;
import dev.quiver.kernel.wire.WireCodec;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The protocol server: five sockets, each owned by one thread.
 * <ul>
 *   <li>shell (ROUTER): the calling thread; runs requests one at a time, cells included;</li>
 *   <li>control (ROUTER): its own thread, so interrupt and shutdown are answered while a cell runs;</li>
 *   <li>stdin (ROUTER): its own thread ({@link StdinChannel}), used by cells that read input;</li>
 *   <li>iopub (PUB): its own thread ({@link Publisher}); every other thread queues messages for it;</li>
 *   <li>heartbeat (REP): its own thread, echoing; it never waits on anything else.</li>
 * </ul>
 * Every socket blocks in ZeroMQ's receive (no sleeping, no busy polling). A message that does not
 * decode or verify is logged and dropped; a handler that throws is logged and answered with an
 * error reply; neither affects any channel.
 */
public final class KernelServer {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final ConnectionInfo info;
    private final Interpreter interpreter;
    private final History history;
    private final String session = UUID.randomUUID().toString();
    private final ZContext context = new ZContext();
    private final Map<String, String> comms = new ConcurrentHashMap<>();   // comm id -> target name
    private Publisher publisher;
    private StdinChannel stdin;
    private int executionCount;
    private boolean abortQueued;      // shell thread only

    public KernelServer(ConnectionInfo info, Interpreter interpreter, History history) {
        this.info = info;
        this.interpreter = interpreter;
        this.history = history;
    }

    /** Binds every socket, starts the other threads, and serves the shell socket on this one. */
    public void run() {
        var shell = bind(SocketType.ROUTER, info.shellPort());
        var control = bind(SocketType.ROUTER, info.controlPort());
        var stdinSocket = bind(SocketType.ROUTER, info.stdinPort());
        var iopub = bind(SocketType.PUB, info.iopubPort());
        var heartbeat = bind(SocketType.REP, info.hbPort());

        publisher = new Publisher(iopub, codec());
        stdin = new StdinChannel(stdinSocket, codec());
        Thread.ofPlatform().daemon().name("quiver-iopub").start(publisher);
        Thread.ofPlatform().daemon().name("quiver-stdin").start(stdin);
        Thread.ofPlatform().daemon().name("quiver-heartbeat").start(() -> heartbeat(heartbeat));
        Thread.ofPlatform().daemon().name("quiver-control").start(() -> serve(control, "control"));
        publishStatus(null, "starting");
        interpreter.start();
        serve(shell, "shell");
    }

    private ZMQ.Socket bind(SocketType type, int port) {
        var socket = context.createSocket(type);
        socket.setLinger(1000);
        if (type == SocketType.ROUTER) {
            socket.setRouterMandatory(false);
        }
        var endpoint = info.endpoint(port);
        if (!socket.bind(endpoint)) {
            throw new IllegalStateException("cannot bind " + endpoint);
        }
        return socket;
    }

    private WireCodec codec() {
        return new WireCodec(info.key(), session);
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

    private void serve(ZMQ.Socket socket, String channel) {
        var codec = codec();
        while (true) {
            List<byte[]> frames;
            try {
                frames = Channels.receive(socket, 0);
            } catch (RuntimeException e) {
                if (context.isClosed() || e instanceof org.zeromq.ZMQException z && z.getErrorCode() == ZMQ.Error.ETERM.getCode()) {
                    return;      // shutting down
                }
                Log.info(channel + ": receive failed: " + e);
                continue;
            }
            if (frames == null) {
                return;
            }
            Message m;
            try {
                m = codec.decode(frames);
            } catch (WireCodec.BadMessage bad) {
                logDropped(channel, bad);
                continue;
            }
            try {
                handle(channel, socket, codec, m);
            } catch (RuntimeException e) {
                Log.info(channel + ": " + m.type() + " failed: " + e);
                e.printStackTrace();
                try {
                    var content = error(e.getClass().getName(), String.valueOf(e.getMessage()));
                    Channels.send(socket, codec, codec.reply(m, replyType(m.type()), content));
                    publishStatus(m, "idle");
                } catch (RuntimeException ignored) {
                    // nothing more to do for this message
                }
            }
        }
    }

    // A flood of bad messages must not flood the log: the first 20, then one in 1000.
    private final java.util.concurrent.atomic.AtomicLong dropped = new java.util.concurrent.atomic.AtomicLong();

    private void logDropped(String channel, WireCodec.BadMessage bad) {
        long n = dropped.incrementAndGet();
        if (n <= 20 || n % 1000 == 0) {
            Log.info(channel + ": dropped a message: " + bad.getMessage() + (n == 20 ? " (logging only every 1000th from now on)" : ""));
        }
    }

    /**
     * After a cell fails with stop_on_error, the execute requests already waiting (a "run all")
     * are answered "aborted" instead of run, as Jupyter frontends expect; other requests are served.
     */
    private void abortQueuedExecutes(ZMQ.Socket socket, WireCodec codec) {
        List<byte[]> frames;
        while ((frames = Channels.receive(socket, ZMQ.DONTWAIT)) != null) {
            Message m;
            try {
                m = codec.decode(frames);
            } catch (WireCodec.BadMessage bad) {
                logDropped("shell", bad);
                continue;
            }
            if (m.type().equals("execute_request")) {
                publishStatus(m, "busy");
                var r = JSON.objectNode();
                r.put("status", "aborted");
                r.put("execution_count", executionCount);
                Channels.send(socket, codec, codec.reply(m, "execute_reply", r));
                publishStatus(m, "idle");
            } else {
                handle("shell", socket, codec, m);
            }
        }
    }

    private static String replyType(String request) {
        return request.endsWith("_request") ? request.substring(0, request.length() - "_request".length()) + "_reply" : "error";
    }

    private void handle(String channel, ZMQ.Socket socket, WireCodec codec, Message m) {
        var type = m.type();
        if (type.equals("comm_msg") || type.equals("comm_open") || type.equals("comm_close")) {
            publishStatus(m, "busy");
            comm(m);
            publishStatus(m, "idle");
            return;
        }
        if (!type.endsWith("_request")) {
            Log.info(channel + ": ignored a " + type + " message");
            return;
        }
        publishStatus(m, "busy");
        ObjectNode reply = switch (type) {
            case "kernel_info_request" -> kernelInfo();
            case "execute_request" -> channel.equals("shell") ? execute(m) : error("NotOnControl", "execute_request belongs on shell");
            case "is_complete_request" -> isComplete(m);
            case "complete_request" -> complete(m);
            case "inspect_request" -> inspect(m);
            case "history_request" -> history(m);
            case "comm_info_request" -> commInfo(m);
            case "interrupt_request" -> {
                interpreter.interrupt();
                yield ok();
            }
            case "shutdown_request" -> {
                var r = ok();
                r.put("restart", m.content().path("restart").asBoolean(false));
                Channels.send(socket, codec, codec.reply(m, "shutdown_reply", r));
                var event = ok();
                event.put("restart", r.get("restart").asBoolean());
                publish(m, "shutdown_reply", event);
                shutdown();
                yield null;
            }
            default -> {
                Log.info(channel + ": unknown request " + type);
                yield error("UnknownRequest", "this kernel does not handle " + type);
            }
        };
        if (abortQueued && channel.equals("shell")) {
            // Before the failed cell's reply: a client that waits for it before sending its next
            // cell must never see that cell aborted.
            abortQueued = false;
            abortQueuedExecutes(socket, codec);
        }
        if (reply != null) {
            Channels.send(socket, codec, codec.reply(m, replyType(type), reply));
        }
        publishStatus(m, "idle");
    }

    // ---------------------------------------------------------------------------------------
    // Requests

    private ObjectNode kernelInfo() {
        var r = ok();
        r.put("protocol_version", WireCodec.PROTOCOL_VERSION);
        r.put("implementation", "quiver");
        r.put("implementation_version", "0.1.0");
        var lang = r.putObject("language_info");
        lang.put("name", "java");
        lang.put("version", interpreter.languageVersion());
        lang.put("mimetype", "text/x-java");
        lang.put("file_extension", ".jshell");
        lang.put("pygments_lexer", "java");
        lang.put("codemirror_mode", "text/x-java");
        r.put("banner", "Quiver: Java " + Runtime.version() + " (JShell), with the Quiver runtime imported");
        var links = r.putArray("help_links");
        links.addObject().put("text", "Java API").put("url", "https://docs.oracle.com/en/java/javase/25/docs/api/");
        links.addObject().put("text", "JShell").put("url", "https://docs.oracle.com/en/java/javase/25/jshell/");
        r.put("debugger", false);
        return r;
    }

    private ObjectNode execute(Message m) {
        var c = m.content();
        var code = c.path("code").asText("");
        boolean silent = c.path("silent").asBoolean(false);
        boolean storeHistory = !silent && c.path("store_history").asBoolean(true);
        boolean allowStdin = c.path("allow_stdin").asBoolean(true);
        if (storeHistory) {
            executionCount++;
            history.add(executionCount, code);
        }
        int count = executionCount;
        if (!silent) {
            var input = JSON.objectNode();
            input.put("code", code);
            input.put("execution_count", count);
            publish(m, "execute_input", input);
        }
        var outcome = interpreter.execute(code, count, output(m, allowStdin, silent));
        return switch (outcome) {
            case Interpreter.Outcome.Ok ok -> {
                if (ok.result() != null && !silent) {
                    var result = bundle(ok.result());
                    result.put("execution_count", count);
                    publish(m, "execute_result", result);
                }
                var r = ok();
                r.put("execution_count", count);
                r.putObject("user_expressions");
                var payload = r.putArray("payload");
                if (ok.page() != null) {
                    var page = payload.addObject();
                    page.put("source", "page");
                    page.set("data", bundle(ok.page()).get("data"));
                    page.put("start", 0);
                }
                if (ok.nextInput() != null) {
                    var next = payload.addObject();
                    next.put("source", "set_next_input");
                    next.put("text", ok.nextInput());
                    next.put("replace", true);
                }
                yield r;
            }
            case Interpreter.Outcome.Error err -> {
                abortQueued = c.path("stop_on_error").asBoolean(true);
                var e = JSON.objectNode();
                e.put("ename", err.ename());
                e.put("evalue", err.evalue());
                var tb = e.putArray("traceback");
                err.traceback().forEach(tb::add);
                publish(m, "error", e.deepCopy());
                var r = e;
                r.put("status", "error");
                r.put("execution_count", count);
                yield r;
            }
        };
    }

    private Interpreter.Output output(Message parent, boolean allowStdin, boolean silent) {
        return new Interpreter.Output() {
            @Override
            public void stream(String name, String text) {
                if (silent) {
                    return;
                }
                var c = JSON.objectNode();
                c.put("name", name);
                c.put("text", text);
                publish(parent, "stream", c);
            }

            @Override
            public void display(MimeBundle bundle, String id, boolean update) {
                var c = bundle(bundle);
                c.putObject("transient");
                if (id != null) {
                    ((ObjectNode) c.get("transient")).put("display_id", id);
                }
                publish(parent, update ? "update_display_data" : "display_data", c);
            }

            @Override
            public void clear(boolean wait) {
                var c = JSON.objectNode();
                c.put("wait", wait);
                publish(parent, "clear_output", c);
            }

            @Override
            public String input(String prompt, boolean password) {
                return allowStdin ? stdin.ask(parent, prompt, password) : null;
            }
        };
    }

    private ObjectNode isComplete(Message m) {
        var result = interpreter.isComplete(m.content().path("code").asText(""));
        var r = JSON.objectNode();
        r.put("status", result.status());
        if (result.status().equals("incomplete")) {
            r.put("indent", result.indent());
        }
        return r;
    }

    private ObjectNode complete(Message m) {
        var code = m.content().path("code").asText("");
        int cursor = CodePoints.toUtf16(code, m.content().path("cursor_pos").asInt(code.codePointCount(0, code.length())));
        var result = interpreter.complete(code, cursor);
        var r = ok();
        var matches = r.putArray("matches");
        result.matches().forEach(matches::add);
        r.put("cursor_start", CodePoints.fromUtf16(code, result.start()));
        r.put("cursor_end", CodePoints.fromUtf16(code, result.end()));
        r.putObject("metadata");
        return r;
    }

    private ObjectNode inspect(Message m) {
        var code = m.content().path("code").asText("");
        int cursor = CodePoints.toUtf16(code, m.content().path("cursor_pos").asInt(code.codePointCount(0, code.length())));
        var result = interpreter.inspect(code, cursor, m.content().path("detail_level").asInt(0));
        var r = ok();
        r.put("found", result.found());
        if (result.found()) {
            var b = bundle(result.bundle());
            r.set("data", b.get("data"));
            r.set("metadata", b.get("metadata"));
        } else {
            r.putObject("data");
            r.putObject("metadata");
        }
        return r;
    }

    private ObjectNode history(Message m) {
        var c = m.content();
        List<History.Entry> entries = switch (c.path("hist_access_type").asText("tail")) {
            case "range" -> history.range(c.path("session").asInt(0), c.path("start").asInt(0), c.path("stop").asInt(0));
            case "search" -> history.search(c.path("pattern").asText("*"), c.path("n").asInt(0), c.path("unique").asBoolean(false));
            default -> history.tail(c.path("n").asInt(10));
        };
        var r = ok();
        ArrayNode list = r.putArray("history");
        boolean output = c.path("output").asBoolean(false);
        for (var e : entries) {
            var row = list.addArray().add(e.session()).add(e.line());
            if (output) {
                row.addArray().add(e.source()).addNull();
            } else {
                row.add(e.source());
            }
        }
        return r;
    }

    private ObjectNode commInfo(Message m) {
        var target = m.content().path("target_name").asText(null);
        var r = ok();
        var list = r.putObject("comms");
        comms.forEach((id, name) -> {
            if (target == null || target.equals(name)) {
                list.putObject(id).put("target_name", name);
            }
        });
        return r;
    }

    /** The one built-in comm target, {@code quiver.echo}: it sends back each message's data (for tests and frontends that probe comms). */
    static final String ECHO_TARGET = "quiver.echo";

    private void comm(Message m) {
        var c = m.content();
        var id = c.path("comm_id").asText("");
        switch (m.type()) {
            case "comm_open" -> {
                var target = c.path("target_name").asText("");
                if (target.equals(ECHO_TARGET)) {
                    comms.put(id, target);
                } else {
                    var close = JSON.objectNode();
                    close.put("comm_id", id);
                    close.putObject("data").put("error", "no comm target named " + target);
                    publish(m, "comm_close", close);
                }
            }
            case "comm_msg" -> {
                if (ECHO_TARGET.equals(comms.get(id))) {
                    var echo = JSON.objectNode();
                    echo.put("comm_id", id);
                    echo.set("data", c.path("data").isObject() ? c.get("data") : JSON.objectNode());
                    publish(m, "comm_msg", echo);
                }
            }
            default -> comms.remove(id);
        }
    }

    private void shutdown() {
        Log.info("shutdown requested");
        publisher.drain(500);
        try {
            interpreter.close();
        } finally {
            // The shutdown reply is queued on the control socket; linger lets it leave.
            Thread.ofPlatform().daemon().start(() -> {
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

    // ---------------------------------------------------------------------------------------
    // Helpers

    private void publish(Message parent, String type, ObjectNode content) {
        // Not codec().header: a codec makes and keys an HMAC, and a cell publishes five messages or more.
        var m = new Message(List.of(), WireCodec.header(type, session), parent == null ? Message.object() : parent.header(),
                Message.object(), content, List.of());
        publisher.publish(m);
    }

    private void publishStatus(Message parent, String state) {
        var c = JSON.objectNode();
        c.put("execution_state", state);
        publish(parent, "status", c);
    }

    private static ObjectNode bundle(MimeBundle b) {
        return DisplayCodec.toJson(b);
    }

    private static ObjectNode ok() {
        var r = JSON.objectNode();
        r.put("status", "ok");
        return r;
    }

    private static ObjectNode error(String ename, String evalue) {
        var r = JSON.objectNode();
        r.put("status", "error");
        r.put("ename", ename);
        r.put("evalue", evalue);
        r.putArray("traceback");
        return r;
    }
}
