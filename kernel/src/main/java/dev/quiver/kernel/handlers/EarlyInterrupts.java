package dev.quiver.kernel.handlers;

import dev.quiver.kernel.wire.Message;
import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * Interrupts that arrive before their cell starts. A frontend sends an execute request on shell and
 * then, a moment later, an interrupt on control; the kernel reads the interrupt first when its
 * shell thread has not reached the request yet (a new kernel's first cell, a busy machine), and the
 * interrupt, finding no cell running, was dropped: the loop then ran on until a second interrupt.
 *
 * <p>Now an interrupt that finds no cell running is kept, and the next cell starts interrupted when
 * its request was sent before the interrupt (both dates from the frontend's own clock). A cell that
 * starts later than that, a request sent after the interrupt, runs as usual.
 */
final class EarlyInterrupts {

  private boolean running; // guarded by this
  private Instant pending; // guarded by this

  /** An interrupt, sent at {@code sent} by the frontend (its header's date; null: now). */
  synchronized void interrupted(Message interrupt) {
    if (!running) {
      var sent = sentAt(interrupt);
      var at = sent == null ? Instant.now() : sent;
      pending = pending == null || at.isAfter(pending) ? at : pending;
    }
  }

  /**
   * The cell of {@code request} starts: whether an interrupt sent after the request came before it.
   * The interrupts that come from now on are for the running cell.
   */
  synchronized boolean starting(Message request) {
    running = true;
    var p = pending;
    pending = null;
    var sent = sentAt(request);
    return p != null && sent != null && !sent.isAfter(p);
  }

  /** The cell is done. */
  synchronized void ended() {
    running = false;
  }

  // The header's date; null when it has none or it does not parse.
  static Instant sentAt(Message m) {
    if (m == null) {
      return null;
    }
    var date = m.header().path("date").asText("");
    try {
      return OffsetDateTime.parse(date).toInstant();
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }
}
