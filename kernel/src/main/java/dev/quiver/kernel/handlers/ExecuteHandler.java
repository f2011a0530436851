package dev.quiver.kernel.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.agent.DisplayCodec;
import dev.quiver.kernel.Interpreter;
import dev.quiver.kernel.wire.Message;

/**
 * {@code execute_request}: counts the cell, records it in the history, publishes its input, runs it
 * and publishes its result or error. One cell at a time, on the cell thread (see {@link
 * KernelCore}).
 */
final class ExecuteHandler implements RequestHandler {

  private final Interpreter interpreter;
  private final History history;
  private final Transport transport;
  private int executionCount;
  private boolean abortRequested;

  private final EarlyInterrupts early;

  private final Comms comms;

  ExecuteHandler(
      Interpreter interpreter,
      History history,
      Transport transport,
      EarlyInterrupts early,
      Comms comms) {
    this.comms = comms;
    this.early = early;
    this.interpreter = interpreter;
    this.history = history;
    this.transport = transport;
  }

  @Override
  public ObjectNode handle(Message m, Origin origin) {
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
      var input = Replies.JSON.objectNode();
      input.put("code", code);
      input.put("execution_count", count);
      transport.publish(m, "execute_input", input);
    }
    var output = new CellOutput(transport, m, allowStdin, silent, () -> early.starting(m));
    comms.cell(output);
    Interpreter.Outcome outcome;
    try {
      outcome = interpreter.execute(code, count, output);
    } finally {
      early.ended();
    }
    output.finish(); // what it printed, and the notice of what was cut, before its result
    return switch (outcome) {
      case Interpreter.Outcome.Ok ok -> {
        if (ok.result() != null && !silent) {
          var result = output.result(ok.result());
          result.put("execution_count", count);
          transport.publish(m, "execute_result", result);
        }
        var r = Replies.ok();
        r.put("execution_count", count);
        r.putObject("user_expressions");
        var payload = r.putArray("payload");
        if (ok.page() != null) {
          var page = payload.addObject();
          page.put("source", "page");
          page.set("data", DisplayCodec.toJson(ok.page()).get("data"));
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
        abortRequested = c.path("stop_on_error").asBoolean(true);
        var e = Replies.JSON.objectNode();
        e.put("ename", err.ename());
        e.put("evalue", err.evalue());
        var tb = e.putArray("traceback");
        err.traceback().forEach(tb::add);
        transport.publish(m, "error", e.deepCopy());
        var r = e;
        r.put("status", "error");
        r.put("execution_count", count);
        yield r;
      }
    };
  }

  /**
   * Whether the last cell failed with stop_on_error, so the waiting ones must be aborted; clears
   * it.
   */
  boolean takeAbortRequest() {
    boolean requested = abortRequested;
    abortRequested = false;
    return requested;
  }

  /** The reply to an execute request aborted after a failed cell. */
  ObjectNode aborted() {
    var r = Replies.JSON.objectNode();
    r.put("status", "aborted");
    r.put("execution_count", executionCount);
    return r;
  }
}
