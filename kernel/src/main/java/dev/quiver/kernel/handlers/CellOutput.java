package dev.quiver.kernel.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.agent.DisplayCodec;
import dev.quiver.display.MimeBundle;
import dev.quiver.kernel.Interpreter;
import dev.quiver.kernel.wire.Message;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Where a running cell's output goes: IOPub messages that are children of its execute request.
 *
 * <p>The policy for output (streams, displays and the result alike): nothing is lost silently.
 *
 * <ul>
 *   <li>Printed text is coalesced: what a cell prints within {@value #FLUSH_MS} ms, up to {@value
 *       #MESSAGE_BYTES} bytes, leaves as one {@code stream} message (a loop printing a line at a
 *       time once sent one message per line, tens of thousands of them, and ZeroMQ dropped what the
 *       frontend could not take in time).
 *   <li>A cell shows at most {@link OutputLimit#bytes()} of output (text and the displays that stay
 *       in the notebook); past it, output is counted, not sent, and the cell ends with a one-line
 *       notice on stderr that says how much was cut. {@code clear_output} empties what the notebook
 *       shows, so it starts the count afresh. A result whose rendering is over the limit is shown
 *       as its text, cut, with the same kind of notice.
 *   <li>Once the user interrupts the cell, at most {@value #AFTER_INTERRUPT} more bytes are shown
 *       (what the cell says as it stops); the rest, printed before the interrupt but still on its
 *       way or printed after, is counted, so the reply comes at once however fast the cell printed,
 *       and nothing of it is delivered after the reply.
 * </ul>
 */
final class CellOutput implements Interpreter.Output {

  static final long FLUSH_MS = 50;
  static final int MESSAGE_BYTES = 1_000_000;
  static final long AFTER_INTERRUPT = 64_000;

  private static final ScheduledExecutorService FLUSHER =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("quiver-output-flush").unstarted(r));

  private final Transport transport;
  private final Message parent;
  private final boolean allowStdin;
  private final boolean silent;
  private final long limit;
  private java.util.function.BooleanSupplier interruptedBeforeStart = () -> false;

  // All guarded by this.
  private final StringBuilder pending = new StringBuilder();
  private String pendingName;
  private ScheduledFuture<?> flushLater;
  private long budget; // bytes the cell may still show
  private long droppedBytes;
  private long droppedLines;
  private int droppedDisplays;
  private boolean interrupted;
  private boolean cutByLimit; // something was cut before any interrupt
  private boolean finished;

  CellOutput(
      Transport transport,
      Message parent,
      boolean allowStdin,
      boolean silent,
      java.util.function.BooleanSupplier interruptedBeforeStart) {
    this(transport, parent, allowStdin, silent, OutputLimit.bytes());
    this.interruptedBeforeStart = interruptedBeforeStart;
  }

  CellOutput(Transport transport, Message parent, boolean allowStdin, boolean silent, long limit) {
    this.transport = transport;
    this.parent = parent;
    this.allowStdin = allowStdin;
    this.silent = silent;
    this.limit = limit;
    this.budget = limit;
  }

  @Override
  public synchronized void stream(String name, String text) {
    if (silent || text.isEmpty()) {
      return;
    }
    if (pendingName != null && !pendingName.equals(name)) {
      flush();
    }
    long size = OutputLimit.utf8Length(text);
    if (size > budget) {
      int keep = OutputLimit.prefixWithin(text, budget);
      if (text.lastIndexOf('\n', keep - 1) < 0 && pending.lastIndexOf("\n") >= 0) {
        // The cut falls in a line begun before this text (the cell JVM's text arrives in pieces
        // of a few hundred bytes): the line's start, not shown yet, goes too, so the last line
        // shown is whole. (One line longer than what is held back is shown cut.)
        int lineStart = pending.lastIndexOf("\n") + 1;
        drop(pending.substring(lineStart));
        pending.setLength(lineStart);
        keep = 0;
      }
      drop(text.substring(keep));
      text = text.substring(0, keep);
      size = OutputLimit.utf8Length(text);
      budget = size; // and nothing after it: the output shown has no gaps
      if (text.isEmpty()) {
        return;
      }
    }
    budget -= size;
    pendingName = name;
    pending.append(text);
    if (pending.length() >= MESSAGE_BYTES || finished) {
      flush();
    } else if (flushLater == null) {
      flushLater = FLUSHER.schedule(this::flushNow, FLUSH_MS, TimeUnit.MILLISECONDS);
    }
  }

  private synchronized void flushNow() {
    flushLater = null;
    flush();
  }

  // Guarded by this.
  private void flush() {
    if (flushLater != null) {
      flushLater.cancel(false);
      flushLater = null;
    }
    if (pending.isEmpty()) {
      return;
    }
    var c = Replies.JSON.objectNode();
    c.put("name", pendingName);
    c.put("text", pending.toString());
    pending.setLength(0);
    pendingName = null;
    transport.publish(parent, "stream", c);
  }

  // Guarded by this.
  private void drop(String text) {
    cutByLimit |= !interrupted;
    droppedBytes += OutputLimit.utf8Length(text);
    droppedLines += text.chars().filter(ch -> ch == '\n').count();
  }

  @Override
  public synchronized void cutAtSource(long bytes, long lines) {
    cutByLimit |= !interrupted;
    droppedBytes += bytes;
    droppedLines += lines;
  }

  @Override
  public synchronized void display(MimeBundle bundle, String id, boolean update) {
    flush();
    long size = OutputLimit.size(bundle);
    // An update replaces an output already counted: only its own size matters.
    if (update ? size > Math.min(limit, interrupted ? AFTER_INTERRUPT : limit) : size > budget) {
      droppedBytes += size;
      droppedDisplays++;
      cutByLimit |= !interrupted;
      if (!update) {
        budget = 0;
      }
      return;
    }
    if (!update) {
      budget -= size;
    }
    var c = DisplayCodec.toJson(bundle);
    var transientPart = c.putObject("transient");
    if (id != null) {
      transientPart.put("display_id", id);
    }
    transport.publish(parent, update ? "update_display_data" : "display_data", c);
  }

  @Override
  public synchronized void clear(boolean wait) {
    pending.setLength(0); // cleared before it was shown
    pendingName = null;
    flush();
    if (!interrupted) {
      budget = limit; // the notebook shows nothing of this cell now
    }
    var c = Replies.JSON.objectNode();
    c.put("wait", wait);
    transport.publish(parent, "clear_output", c);
  }

  @Override
  public String input(String prompt, boolean password) {
    synchronized (this) {
      flush(); // the prompt's context first
    }
    return allowStdin ? transport.input(parent, prompt, password) : null;
  }

  /**
   * Publishes a message of the cell's own (a widget's {@code comm_open}) after the text printed
   * before it, as a child of the cell's request.
   */
  synchronized void publish(String type, ObjectNode content) {
    flush();
    transport.publish(parent, type, content);
  }

  /** The cell's request. */
  Message request() {
    return parent;
  }

  /** Whether the cell still runs (its outcome is not known yet). */
  synchronized boolean running() {
    return !finished;
  }

  @Override
  public boolean interruptedBeforeStart() {
    return interruptedBeforeStart.getAsBoolean();
  }

  @Override
  public synchronized void interrupted() {
    if (!interrupted) {
      interrupted = true;
      budget = Math.min(budget, AFTER_INTERRUPT);
    }
  }

  /**
   * The cell's result, as the content of its {@code execute_result}: cut to its text when its
   * rendering is over the limit (with a notice in the text).
   */
  synchronized ObjectNode result(MimeBundle bundle) {
    flush();
    long size = OutputLimit.size(bundle);
    if (size <= limit) {
      return DisplayCodec.toJson(bundle);
    }
    var text = bundle.text();
    int keep = OutputLimit.prefixWithin(text, limit);
    var types = String.join(", ", bundle.data().keySet());
    var shown = text.substring(0, keep);
    var cut =
        shown
            + (shown.isEmpty() || shown.endsWith("\n") ? "" : "\n")
            + "[quiver: result cut: its rendering ("
            + types
            + ") is "
            + OutputLimit.describe(size)
            + ", more than the "
            + OutputLimit.describe(limit)
            + " a cell shows"
            + OutputLimit.HOW_TO_CHANGE
            + "; shown: "
            + (keep < text.length()
                ? "the first "
                    + OutputLimit.describe(OutputLimit.utf8Length(shown))
                    + " of its text"
                : "its text")
            + "]";
    return DisplayCodec.toJson(new MimeBundle(Map.of(MimeBundle.TEXT_PLAIN, cut), Map.of()));
  }

  /**
   * The cell is done: what it printed leaves now, with the notice of what was cut; from now on its
   * output (a thread it started, still printing) leaves at once, within the same limit.
   */
  synchronized void finish() {
    flush();
    finished = true;
    var notice = notice();
    if (notice != null && !silent) {
      var c = Replies.JSON.objectNode();
      c.put("name", "stderr");
      c.put("text", notice + "\n");
      transport.publish(parent, "stream", c);
    }
  }

  /** The one-line notice of what was not shown, or null when everything was. */
  synchronized String notice() {
    if (droppedBytes == 0 && droppedDisplays == 0) {
      return null;
    }
    var parts = new java.util.ArrayList<String>();
    if (droppedLines > 0) {
      parts.add(String.format("%,d", droppedLines) + (droppedLines == 1 ? " line" : " lines"));
    }
    if (droppedDisplays > 0) {
      parts.add(
          String.format("%,d", droppedDisplays)
              + (droppedDisplays == 1 ? " display" : " displays"));
    }
    var what =
        OutputLimit.describe(droppedBytes)
            + (parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")");
    var why = new StringBuilder();
    if (cutByLimit) {
      why.append("a cell shows at most ")
          .append(OutputLimit.describe(limit))
          .append(OutputLimit.HOW_TO_CHANGE);
    }
    if (interrupted) {
      why.append(cutByLimit ? ", and " : "").append("the cell was interrupted while it printed");
    }
    return "[quiver: output cut: " + what + " of this cell's output not shown: " + why + "]";
  }
}
