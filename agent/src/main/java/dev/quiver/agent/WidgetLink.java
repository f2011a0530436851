package dev.quiver.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.display.widgets.WidgetHost;
import dev.quiver.display.widgets.Widgets;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The cell JVM's end of widget comms ({@code dev.quiver.display.widgets}).
 *
 * <ul>
 *   <li>Out: comm messages are frames on the agent's {@code display} stream ({@link
 *       DisplayMessage.Comm}), so they keep their order with the cell's output (a widget's {@code
 *       comm_open} reaches the front end before its view is asked for).
 *   <li>In: the kernel writes the front end's comm messages on a second socket to the kernel, read
 *       here by the thread {@value Widgets#THREAD}, which runs the widgets' callbacks, one message
 *       at a time, while a cell runs too (the cell's thread is JShell's and stays busy with the
 *       cell). Each frame is {@link #inbound}'s JSON behind its length.
 *   <li>What a callback prints or displays is sent as a child of the front-end message it answers
 *       ({@link DisplayMessage.Parented}), so the front end puts it in the cell that holds the
 *       widget; then a {@link DisplayMessage.Done} lets the kernel say "idle" for that message
 *       (ipywidgets' front end sends a slider's next value only after that).
 * </ul>
 */
public final class WidgetLink implements WidgetHost {

  private static final ObjectMapper JSON = DisplayCodec.JSON;
  private static final com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Object>>
      MAP = new com.fasterxml.jackson.core.type.TypeReference<>() {};

  // The front-end message whose callback the widgets thread runs now, or null; and whether the
  // kernel said that the cell which first showed its widget still runs.
  private static volatile String parent;
  private static volatile boolean itsCellRuns;
  private static volatile Thread widgetsThread;

  private final Consumer<DisplayMessage> out;
  private final CellThreads cells;

  /** The running cell as the agent sees it. */
  interface CellThreads {
    /** Interrupts the code running for the cell now; false when none runs. */
    boolean interrupt();
  }

  WidgetLink(Consumer<DisplayMessage> out, CellThreads cells) {
    this.out = out;
    this.cells = cells;
  }

  /**
   * The inbound frame's JSON, written by the kernel: {@code {"op": "msg" | "close", "comm_id",
   * "data", "parent": the front-end message's id, "its_cell_runs": whether the cell that first
   * showed the widget still runs}}.
   */
  public static ObjectNode inbound(
      String op, String commId, JsonNode data, String parentId, boolean itsCellRuns) {
    var n = JSON.createObjectNode();
    n.put("its_cell_runs", itsCellRuns);
    n.put("op", op);
    n.put("comm_id", commId);
    n.set("data", data == null ? JSON.createObjectNode() : data);
    if (parentId != null) {
      n.put("parent", parentId);
    }
    return n;
  }

  /** The front-end message a widget callback on the calling thread answers, or null. */
  static String parentOfThisThread() {
    return Thread.currentThread() == widgetsThread ? parent : null;
  }

  /** Reads inbound frames until the kernel closes the socket, on a thread of its own. */
  void serve(InputStream in) {
    var t =
        Thread.ofPlatform()
            .daemon()
            .name(Widgets.THREAD)
            .unstarted(
                () -> {
                  try (var data = new DataInputStream(in)) {
                    while (true) {
                      int n = data.readInt();
                      var bytes = new byte[n];
                      data.readFully(bytes);
                      handle(JSON.readTree(bytes));
                    }
                  } catch (IOException e) {
                    // the kernel is gone: widgets stay as they are
                  }
                });
    widgetsThread = t;
    t.start();
  }

  private void handle(JsonNode m) {
    var id = m.path("comm_id").asText();
    var from = m.hasNonNull("parent") ? m.get("parent").asText() : null;
    parent = from;
    itsCellRuns = m.path("its_cell_runs").asBoolean(false);
    try {
      if (m.path("op").asText().equals("close")) {
        Widgets.closed(id);
      } else {
        Map<String, Object> data = JSON.convertValue(m.path("data"), MAP);
        Widgets.receive(id, data);
      }
    } catch (Throwable t) {
      // The user's callback failed: its trace goes where its output goes.
      t.printStackTrace();
    } finally {
      System.out.flush();
      System.err.flush();
      parent = null;
      itsCellRuns = false;
      if (from != null) {
        out.accept(new DisplayMessage.Parented(from, new DisplayMessage.Done()));
      }
    }
  }

  private void send(DisplayMessage m) {
    var p = parentOfThisThread();
    out.accept(p == null ? m : new DisplayMessage.Parented(p, m));
  }

  @Override
  public void open(String commId, Map<String, Object> state) {
    send(new DisplayMessage.Comm("open", commId, state));
  }

  @Override
  public void send(String commId, Map<String, Object> data) {
    send(new DisplayMessage.Comm("msg", commId, data));
  }

  @Override
  public void close(String commId) {
    send(new DisplayMessage.Comm("close", commId, Map.of()));
  }

  @Override
  public boolean stopItsCell() {
    return parentOfThisThread() != null && itsCellRuns && cells.interrupt();
  }

  /**
   * The cell JVM's {@code System.out} or {@code err}: text printed by a widget callback goes to the
   * front-end message it answers, everything else to {@code cell} (the cell's stream).
   */
  static OutputStream routed(OutputStream cell, String name, Consumer<DisplayMessage> out) {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        var p = parentOfThisThread();
        if (p == null) {
          cell.write(b, off, len);
        } else if (len > 0) {
          out.accept(
              new DisplayMessage.Parented(
                  p,
                  new DisplayMessage.Stream(
                      name, new String(b, off, len, StandardCharsets.UTF_8))));
        }
      }

      @Override
      public void flush() throws IOException {
        cell.flush();
      }
    };
  }
}
