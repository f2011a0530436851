package dev.quiver.kernel.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.quiver.kernel.Interpreter;
import dev.quiver.kernel.Log;
import dev.quiver.kernel.wire.Message;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Comms: {@code comm_open}, {@code comm_msg}, {@code comm_close} (no replies) and {@code
 * comm_info_request}, over the open comms by id.
 *
 * <ul>
 *   <li>Targets in the kernel: {@value #ECHO_TARGET} (sends back each message's data, for tests and
 *       front ends that probe comms) and {@value #VERSION_TARGET} (ipywidgets' front end asks which
 *       widget protocol the kernel speaks; answered {@value #WIDGETS_VERSION}). A front end's
 *       {@code comm_open} to any other target is answered with a {@code comm_close} that says so.
 *   <li>Comms the language opens (widgets, from the cell JVM; see {@link Interpreter#connect}):
 *       their {@code comm_open} and {@code comm_msg} are published as children of the running cell
 *       or of the front-end message a callback answers; the front end's messages on them are handed
 *       to the language, and their "idle" status waits until the language says it is done with them
 *       (ipywidgets' front end sends a control's next value only then).
 * </ul>
 */
final class Comms implements Interpreter.Comms {

  static final String ECHO_TARGET = "quiver.echo";
  static final String VERSION_TARGET = "jupyter.widget.version";
  static final String WIDGET_TARGET = "jupyter.widget";

  /**
   * The jupyter-js-widgets versions ipywidgets 6.0 works with (its {@code __frontend_version__}).
   */
  static final String WIDGETS_VERSION = "~2.1.4";

  /** Where widget data asks for the id of the request whose output is produced. */
  static final String PARENT_PLACEHOLDER = dev.quiver.display.widgets.WidgetHost.PARENT;

  private final Transport transport;
  private final Interpreter interpreter;
  private final Map<String, String> open = new ConcurrentHashMap<>(); // comm id -> target name
  // The language's comms: the request of the cell that opened each.
  private final Map<String, String> openedBy = new ConcurrentHashMap<>();
  private volatile CellOutput cell; // the running or last cell's output
  // Front-end messages handed to the language and not yet done: their output's parent.
  private final Map<String, Message> waiting =
      java.util.Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Message> eldest) {
              return size() > 1000;
            }
          });

  Comms(Transport transport, Interpreter interpreter) {
    this.transport = transport;
    this.interpreter = interpreter;
  }

  /** A cell starts: the language's comm messages without a parent are its children. */
  void cell(CellOutput output) {
    cell = output;
  }

  ObjectNode open(Message m, Origin origin) {
    var c = m.content();
    var id = c.path("comm_id").asText("");
    var target = c.path("target_name").asText("");
    if (target.equals(ECHO_TARGET)) {
      open.put(id, target);
    } else if (target.equals(VERSION_TARGET)) {
      open.put(id, target);
      var reply = Replies.JSON.objectNode();
      reply.put("comm_id", id);
      reply.putObject("data").put("version", WIDGETS_VERSION);
      transport.publish(m, "comm_msg", reply);
    } else {
      var close = Replies.JSON.objectNode();
      close.put("comm_id", id);
      close.putObject("data").put("error", "no comm target named " + target);
      transport.publish(m, "comm_close", close);
    }
    return null;
  }

  /**
   * A front-end {@code comm_msg}; true when it went to the language, whose {@link #done} publishes
   * its "idle" status.
   */
  boolean message(Message m) {
    var c = m.content();
    var id = c.path("comm_id").asText("");
    var target = open.get(id);
    if (ECHO_TARGET.equals(target)) {
      var echo = Replies.JSON.objectNode();
      echo.put("comm_id", id);
      echo.set("data", c.path("data").isObject() ? c.get("data") : Replies.JSON.objectNode());
      transport.publish(m, "comm_msg", echo);
    } else if (VERSION_TARGET.equals(target)) {
      var data = c.path("data");
      Log.info(
          "widgets: the front end's jupyter-js-widgets "
              + data.path("frontend_version").asText("?")
              + (data.path("validated").asBoolean(false) ? " accepts " : " does not accept ")
              + WIDGETS_VERSION);
    } else if (WIDGET_TARGET.equals(target)) {
      waiting.put(m.id(), m);
      var output = cell;
      boolean itsCellRuns =
          output != null && output.running() && output.request().id().equals(openedBy.get(id));
      if (interpreter.commMessage(id, c.path("data"), m.id(), false, itsCellRuns)) {
        return true;
      }
      waiting.remove(m.id());
    }
    return false;
  }

  ObjectNode close(Message m, Origin origin) {
    var id = m.content().path("comm_id").asText("");
    openedBy.remove(id);
    if (WIDGET_TARGET.equals(open.remove(id))) {
      interpreter.commMessage(id, m.content().path("data"), null, true, false);
    }
    return null;
  }

  ObjectNode info(Message m, Origin origin) {
    var target = m.content().path("target_name").asText(null);
    var r = Replies.ok();
    var list = r.putObject("comms");
    open.forEach(
        (id, name) -> {
          if (target == null || target.equals(name)) {
            list.putObject(id).put("target_name", name);
          }
        });
    return r;
  }

  // ---------------------------------------------------------------------------------------
  // The language's side (Interpreter.Comms), from the cell JVM's reader thread.

  @Override
  public void publish(String parentId, String type, ObjectNode content) {
    var id = content.path("comm_id").asText("");
    Message parent = parentId == null ? null : waiting.get(parentId);
    var output = cell;
    if (type.equals("comm_open")) {
      open.put(id, content.path("target_name").asText(WIDGET_TARGET));
      if (parent == null && output != null) {
        openedBy.put(id, output.request().id());
      }
    } else if (type.equals("comm_close")) {
      open.remove(id);
      openedBy.remove(id);
    }
    if (parent == null && output != null) {
      replaceParent(content, output.request().id());
      output.publish(type, content);
    } else {
      replaceParent(content, parent == null ? null : parent.id());
      transport.publish(parent, type, content);
    }
  }

  @Override
  public void done(String parentId) {
    var m = parentId == null ? null : waiting.remove(parentId);
    if (m != null) {
      var c = Replies.JSON.objectNode();
      c.put("execution_state", "idle");
      transport.publish(m, "status", c);
    }
  }

  // An Output widget's msg_id: the id of the request whose output it captures.
  private static void replaceParent(JsonNode node, String parentId) {
    if (node instanceof ObjectNode object) {
      for (var e : object.properties()) {
        if (e.getValue().isTextual() && PARENT_PLACEHOLDER.equals(e.getValue().textValue())) {
          e.setValue(new TextNode(parentId == null ? "" : parentId));
        } else {
          replaceParent(e.getValue(), parentId);
        }
      }
    }
  }
}
