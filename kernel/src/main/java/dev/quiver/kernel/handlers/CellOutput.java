package dev.quiver.kernel.handlers;

import dev.quiver.agent.DisplayCodec;
import dev.quiver.display.MimeBundle;
import dev.quiver.kernel.Interpreter;
import dev.quiver.kernel.wire.Message;

/** Where a running cell's output goes: IOPub messages that are children of its execute request. */
final class CellOutput implements Interpreter.Output {

  private final Transport transport;
  private final Message parent;
  private final boolean allowStdin;
  private final boolean silent;

  CellOutput(Transport transport, Message parent, boolean allowStdin, boolean silent) {
    this.transport = transport;
    this.parent = parent;
    this.allowStdin = allowStdin;
    this.silent = silent;
  }

  @Override
  public void stream(String name, String text) {
    if (silent) {
      return;
    }
    var c = Replies.JSON.objectNode();
    c.put("name", name);
    c.put("text", text);
    transport.publish(parent, "stream", c);
  }

  @Override
  public void display(MimeBundle bundle, String id, boolean update) {
    var c = DisplayCodec.toJson(bundle);
    var transientPart = c.putObject("transient");
    if (id != null) {
      transientPart.put("display_id", id);
    }
    transport.publish(parent, update ? "update_display_data" : "display_data", c);
  }

  @Override
  public void clear(boolean wait) {
    var c = Replies.JSON.objectNode();
    c.put("wait", wait);
    transport.publish(parent, "clear_output", c);
  }

  @Override
  public String input(String prompt, boolean password) {
    return allowStdin ? transport.input(parent, prompt, password) : null;
  }
}
