package dev.quiver.kernel.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.display.MimeBundle;
import dev.quiver.kernel.Interpreter;
import dev.quiver.kernel.wire.Message;
import dev.quiver.kernel.wire.WireCodec;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Request handling without sockets: what a frontend would see on its shell and IOPub channels. */
class KernelCoreTest {

  /** One message the core sent: on IOPub ("iopub") or as a reply on the request's socket. */
  record Sent(String channel, String type, String parentId, ObjectNode content) {}

  private final List<Sent> sent = new ArrayList<>();

  private final Transport transport =
      new Transport() {
        @Override
        public void publish(Message parent, String type, ObjectNode content) {
          sent.add(new Sent("iopub", type, parent == null ? "" : parent.id(), content));
        }

        @Override
        public String input(Message parent, String prompt, boolean password) {
          return "typed";
        }

        @Override
        public void drain(long millis) {}

        @Override
        public void exit() {
          throw new AssertionError("the core must not exit in these tests");
        }
      };

  /** A shell or control socket with requests already waiting behind the one being handled. */
  private final class QueueOrigin implements Origin {
    private final String channel;
    private final ArrayDeque<Message> waiting = new ArrayDeque<>();

    QueueOrigin(String channel, Message... waiting) {
      this.channel = channel;
      this.waiting.addAll(List.of(waiting));
    }

    @Override
    public String channel() {
      return channel;
    }

    @Override
    public void reply(Message request, String type, ObjectNode content) {
      sent.add(new Sent(channel, type, request.id(), content));
    }

    @Override
    public Message nextWaiting() {
      return waiting.poll();
    }
  }

  /**
   * Runs "fail" as a failing cell, "boom" as a bug in the interpreter, anything else as a value.
   */
  private static final class FakeInterpreter implements Interpreter {
    final List<String> ran = new ArrayList<>();

    @Override
    public Outcome execute(String code, int executionCount, Output out) {
      ran.add(code);
      if (code.equals("boom")) {
        throw new IllegalStateException("the interpreter broke on " + code);
      }
      if (code.equals("fail")) {
        return new Outcome.Error("Oops", "it failed", List.of("trace line"));
      }
      out.stream("stdout", "ran " + code + "\n");
      return new Outcome.Ok(MimeBundle.text(code.toUpperCase()));
    }

    @Override
    public Completion complete(String code, int cursor) {
      return new Completion(List.of("completion"), 0, cursor);
    }

    @Override
    public Inspection inspect(String code, int cursor, int detailLevel) {
      return new Inspection(false, null);
    }

    @Override
    public Completeness isComplete(String code) {
      return new Completeness("incomplete", "  ");
    }

    @Override
    public KernelInfo kernelInfo() {
      return new KernelInfo(
          new LanguageInfo("toy", "1.2", "text/x-toy", ".toy", "toy-lexer", "toy-mode"),
          "Toy banner",
          List.of(new HelpLink("Toy docs", "https://toy.example/docs")));
    }

    @Override
    public void interrupt() {}

    @Override
    public void close() {}
  }

  @TempDir Path dir;

  private final FakeInterpreter interpreter = new FakeInterpreter();

  private KernelCore core() {
    return new KernelCore(interpreter, new History(dir.resolve("history.jsonl")), transport);
  }

  private static int ids;

  private static Message request(String type, String code) {
    var header = WireCodec.header(type, "test-session");
    header.put("msg_id", "m" + ++ids);
    var content = Message.object();
    if (code != null) {
      content.put("code", code);
    }
    return new Message(List.of(), header, Message.object(), Message.object(), content, List.of());
  }

  private List<String> types(String channel) {
    return sent.stream().filter(s -> s.channel().equals(channel)).map(Sent::type).toList();
  }

  @Test
  void kernelInfoDescribesTheInterpretersLanguageBetweenBusyAndIdle() {
    var m = request("kernel_info_request", null);
    core().handle(new QueueOrigin("shell"), m);
    assertEquals(
        List.of("status", "kernel_info_reply", "status"), sent.stream().map(Sent::type).toList());
    assertEquals("busy", sent.get(0).content().get("execution_state").asText());
    assertEquals("idle", sent.get(2).content().get("execution_state").asText());
    assertTrue(sent.stream().allMatch(s -> s.parentId().equals(m.id())));
    var reply = sent.get(1).content();
    assertEquals("quiver", reply.get("implementation").asText());
    assertEquals(WireCodec.PROTOCOL_VERSION, reply.get("protocol_version").asText());
    var language = reply.get("language_info");
    assertEquals("toy", language.get("name").asText());
    assertEquals("1.2", language.get("version").asText());
    assertEquals(".toy", language.get("file_extension").asText());
    assertEquals("toy-lexer", language.get("pygments_lexer").asText());
    assertEquals("toy-mode", language.get("codemirror_mode").asText());
    assertEquals("Toy banner", reply.get("banner").asText());
    assertEquals("https://toy.example/docs", reply.get("help_links").get(0).get("url").asText());
  }

  @Test
  void aCellPublishesItsInputOutputAndResultAndIsCounted() {
    var core = core();
    core.handle(new QueueOrigin("shell"), request("execute_request", "a"));
    var second = request("execute_request", "b");
    core.handle(new QueueOrigin("shell"), second);
    var forSecond = sent.stream().filter(s -> s.parentId().equals(second.id())).toList();
    assertEquals(
        List.of("status", "execute_input", "stream", "execute_result", "execute_reply", "status"),
        forSecond.stream().map(Sent::type).toList());
    assertEquals(2, forSecond.get(1).content().get("execution_count").asInt());
    assertEquals("ran b\n", forSecond.get(2).content().get("text").asText());
    assertEquals("B", forSecond.get(3).content().get("data").get("text/plain").asText());
    assertEquals("ok", forSecond.get(4).content().get("status").asText());
  }

  @Test
  void aFailedCellAbortsTheCellsWaitingBehindItBeforeItsOwnReply() {
    var waitingCell = request("execute_request", "never");
    var waitingInfo = request("kernel_info_request", null);
    var failing = request("execute_request", "fail");
    core().handle(new QueueOrigin("shell", waitingCell, waitingInfo), failing);
    assertEquals(List.of("fail"), interpreter.ran);
    var replies = sent.stream().filter(s -> s.channel().equals("shell")).toList();
    assertEquals(
        List.of(waitingCell.id(), waitingInfo.id(), failing.id()),
        replies.stream().map(Sent::parentId).toList());
    assertEquals("aborted", replies.get(0).content().get("status").asText());
    assertEquals("kernel_info_reply", replies.get(1).type());
    assertEquals("error", replies.get(2).content().get("status").asText());
    assertEquals("Oops", replies.get(2).content().get("ename").asText());
    var error = sent.stream().filter(s -> s.type().equals("error")).findFirst().orElseThrow();
    assertEquals("trace line", error.content().get("traceback").get(0).asText());
  }

  @Test
  void aCellWithoutStopOnErrorLeavesTheWaitingCellsAlone() {
    var waitingCell = request("execute_request", "next");
    var failing = request("execute_request", "fail");
    failing.content().put("stop_on_error", false);
    var shell = new QueueOrigin("shell", waitingCell);
    core().handle(shell, failing);
    assertEquals(List.of("execute_reply"), types("shell"));
    assertEquals(waitingCell, shell.nextWaiting());
  }

  @Test
  void aHandlerThatThrowsIsAnsweredWithAnErrorAndTheKernelGoesIdle() {
    var m = request("execute_request", "boom");
    core().handle(new QueueOrigin("shell"), m);
    var reply = sent.stream().filter(s -> s.channel().equals("shell")).findFirst().orElseThrow();
    assertEquals("execute_reply", reply.type());
    assertEquals("java.lang.IllegalStateException", reply.content().get("ename").asText());
    assertEquals("the interpreter broke on boom", reply.content().get("evalue").asText());
    assertEquals("idle", sent.getLast().content().get("execution_state").asText());
  }

  @Test
  void executeOnControlAndUnknownRequestsAreRefusedWithTheReason() {
    var core = core();
    core.handle(new QueueOrigin("control"), request("execute_request", "a"));
    core.handle(new QueueOrigin("shell"), request("frobnicate_request", null));
    var replies = sent.stream().filter(s -> !s.channel().equals("iopub")).toList();
    assertEquals("NotOnControl", replies.get(0).content().get("ename").asText());
    assertEquals("frobnicate_reply", replies.get(1).type());
    assertEquals(
        "this kernel does not handle frobnicate_request",
        replies.get(1).content().get("evalue").asText());
    assertEquals(List.of(), interpreter.ran);
  }

  @Test
  void theEchoCommSendsBackWhatItGetsAndOthersAreClosed() {
    var core = core();
    var open = request("comm_open", null);
    open.content().put("comm_id", "c1").put("target_name", Comms.ECHO_TARGET);
    core.handle(new QueueOrigin("shell"), open);
    var msg = request("comm_msg", null);
    msg.content().put("comm_id", "c1").putObject("data").put("x", 1);
    core.handle(new QueueOrigin("shell"), msg);
    var other = request("comm_open", null);
    other.content().put("comm_id", "c2").put("target_name", "nobody");
    core.handle(new QueueOrigin("shell"), other);
    core.handle(new QueueOrigin("shell"), request("comm_info_request", null));
    assertEquals(List.of("comm_info_reply"), types("shell")); // comm messages have no replies
    var echoed = sent.stream().filter(s -> s.type().equals("comm_msg")).findFirst().orElseThrow();
    assertEquals(1, echoed.content().get("data").get("x").asInt());
    var closed = sent.stream().filter(s -> s.type().equals("comm_close")).findFirst().orElseThrow();
    assertEquals("no comm target named nobody", closed.content().get("data").get("error").asText());
    var comms =
        sent.stream()
            .filter(s -> s.type().equals("comm_info_reply"))
            .findFirst()
            .orElseThrow()
            .content()
            .get("comms");
    assertEquals(Comms.ECHO_TARGET, comms.get("c1").get("target_name").asText());
    assertEquals(1, comms.size());
  }

  private List<List<Object>> history(KernelCore core, String access, Object... fields) {
    var m = request("history_request", null);
    m.content().put("hist_access_type", access);
    for (int i = 0; i < fields.length; i += 2) {
      if (fields[i + 1] instanceof Integer n) {
        m.content().put((String) fields[i], n);
      } else {
        m.content().put((String) fields[i], (String) fields[i + 1]);
      }
    }
    sent.clear();
    core.handle(new QueueOrigin("shell"), m);
    var reply = sent.stream().filter(s -> s.type().equals("history_reply")).findFirst();
    var rows = new ArrayList<List<Object>>();
    for (var row : reply.orElseThrow().content().get("history")) {
      rows.add(List.of(row.get(0).asInt(), row.get(1).asInt(), row.get(2).asText()));
    }
    return rows;
  }

  @Test
  void historyRequestsSeeEarlierSessionsOfALongFileAndEachStartIsANewSession() throws Exception {
    var file = dir.resolve("history.jsonl");
    var lines = new StringBuilder();
    for (int i = 1; i <= 3000; i++) {
      lines.append("{\"session\":").append(1 + i / 1000).append(",\"line\":").append(i % 1000);
      lines.append(",\"source\":\"x = ").append(i).append(";\\n\"}\n");
    }
    lines.append("{\"line\":7,\"source\":\"y\",\"session\":6}\n"); // another writer's key order
    lines.append("\n");
    lines.append("{\"session\":5,\"line\":8,\"source\":\"torn by a cr"); // no newline: a crash
    lines.append("\n");
    java.nio.file.Files.writeString(file, lines);
    var first = core();
    first.handle(new QueueOrigin("shell"), request("execute_request", "a"));
    first.handle(new QueueOrigin("shell"), request("execute_request", "b"));
    assertEquals(
        List.of(List.of(6, 7, "y"), List.of(7, 1, "a"), List.of(7, 2, "b")),
        history(first, "tail", "n", 3));
    assertEquals(List.of(List.of(6, 7, "y")), history(first, "range", "session", -1));
    assertEquals(
        List.of(List.of(3, 998, "x = 2998;\n"), List.of(3, 999, "x = 2999;\n")),
        history(first, "search", "pattern", "x = 29??;*", "n", 2));
    // The next start is the next session; the one before it is in range -1, in order.
    var second = core();
    second.handle(new QueueOrigin("shell"), request("execute_request", "c"));
    var other = core(); // a third kernel on the same file, started while the second runs
    other.handle(new QueueOrigin("shell"), request("execute_request", "from the other kernel"));
    assertEquals(
        List.of(List.of(7, 1, "a"), List.of(7, 2, "b")), history(second, "range", "session", -1));
    // What another kernel appended after this one started is not this kernel's history.
    assertEquals(List.of(List.of(7, 2, "b"), List.of(8, 1, "c")), history(second, "tail", "n", 2));
    assertEquals(List.of(List.of(9, 1, "from the other kernel")), history(other, "tail", "n", 1));
  }
}
