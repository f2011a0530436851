package dev.quiver.kernel.jshell;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.agent.DisplayCodec;
import dev.quiver.agent.DisplayMessage;
import dev.quiver.kernel.Interpreter;
import dev.quiver.kernel.Log;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The kernel's end of widget comms with the cell JVM (the agent's {@code WidgetLink}): the front
 * end's messages go to the cell JVM on a second socket of their own, so they reach it while a cell
 * runs (JShell's socket is busy with the cell); what the cell JVM sends for comms, and the output
 * of widget callbacks, comes on the display stream and is published through {@link
 * Interpreter.Comms}.
 */
final class WidgetChannel {

  // Made on first use: the kernel makes this channel before it starts the cell JVM, and a JVM's
  // first ObjectMapper is slow to make (KernelMain makes one meanwhile on another thread).
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  private volatile Interpreter.Comms comms;
  private volatile OutputStream toCellJvm; // the newest cell JVM's; null: none yet, or it died

  void connect(Interpreter.Comms comms) {
    this.comms = comms;
  }

  /** A cell JVM connected its widget socket (each new cell JVM does). */
  void attach(OutputStream out) {
    toCellJvm = out;
  }

  /** Hands a front-end comm message to the cell JVM; false when there is no cell JVM to take it. */
  boolean send(String commId, JsonNode data, String msgId, boolean closed, boolean itsCellRuns) {
    var out = toCellJvm;
    if (out == null) {
      return false;
    }
    var frame =
        DisplayCodec.lengthPrefixed(
            dev.quiver.agent.WidgetLink.inbound(
                closed ? "close" : "msg", commId, data, msgId, itsCellRuns));
    try {
      synchronized (out) {
        out.write(frame);
        out.flush();
      }
      return true;
    } catch (IOException e) {
      Log.info("widgets: the cell JVM's widget socket failed: " + e);
      toCellJvm = null;
      return false;
    }
  }

  /** A comm frame from the cell JVM, or a widget callback's output ({@code parent} not null). */
  void fromCellJvm(String parent, DisplayMessage m) {
    var c = comms;
    if (c == null) {
      return;
    }
    switch (m) {
      case DisplayMessage.Comm comm -> {
        var content = Json.MAPPER.createObjectNode();
        content.put("comm_id", comm.commId());
        if (comm.op().equals("open")) {
          content.put("target_name", "jupyter.widget");
        }
        content.set("data", Json.MAPPER.valueToTree(comm.data()));
        c.publish(parent, "comm_" + comm.op(), content);
      }
      case DisplayMessage.Stream stream -> {
        var content = Json.MAPPER.createObjectNode();
        content.put("name", stream.name());
        content.put("text", stream.text());
        c.publish(parent, "stream", content);
      }
      case DisplayMessage.Show show -> {
        ObjectNode content = DisplayCodec.toJson(show.bundle());
        var transientPart = content.putObject("transient");
        if (show.displayId() != null) {
          transientPart.put("display_id", show.displayId());
        }
        c.publish(parent, show.update() ? "update_display_data" : "display_data", content);
      }
      case DisplayMessage.Clear clear -> {
        var content = Json.MAPPER.createObjectNode();
        content.put("wait", clear.waitForNext());
        c.publish(parent, "clear_output", content);
      }
      case DisplayMessage.Done done -> c.done(parent);
      case DisplayMessage.Parented p -> fromCellJvm(p.parent(), p.message());
      case DisplayMessage.Cut
              cut -> {} // a cell's output cut at its limit: the cell's notice says so
    }
  }
}
