package dev.quiver.agent;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The cell JVM's {@code out}, {@code err} and {@code display} streams: writes from any thread go
 * into one bounded queue, in the order they were made, and one thread ({@value #THREAD}) writes
 * them to JShell's socket to the kernel.
 *
 * <p>Why a thread of its own: before, the cell's own thread wrote each line to the socket, inside
 * JShell's multiplexing stream, under the lock every stream and the command channel share. An
 * interrupt that landed there (see {@link CellStop}) cut a packet in half and ended the connection,
 * and with it the cell JVM. Now the cell's thread only copies bytes into the queue; when the queue
 * is full (the kernel reads more slowly than the cell prints) it waits, so nothing is dropped here,
 * and while it waits, or at its next write, a stop the kernel asked for ends the cell ({@link
 * CellStop#check}).
 *
 * <p>Consecutive writes to one stream are merged into chunks of up to {@value #CHUNK} bytes, so a
 * loop that prints a line at a time reaches the kernel in a few large writes.
 *
 * <p>Text past the kernel's output limit is counted here, not sent: the kernel shows at most {@code
 * -Dquiver.output.limit} bytes of a cell's output since it began or was last cleared (it passes its
 * limit to this JVM as {@value #LIMIT_PROPERTY}), so of what a piece of a cell prints to {@code
 * out} and {@code err} in that span, nothing after the first limit + 1 bytes can be shown (the one
 * byte more tells the kernel the limit was passed, so it cuts at a line end and says so). The rest
 * is counted, never a character cut in two, and when the piece ends the count goes to the kernel
 * ({@link DisplayMessage.Cut}) for its notice. A cell printing 1 GB then costs its own printing,
 * not the socket's and the kernel's reading of it.
 */
final class OutputPump {

  static final String THREAD = "quiver-output";
  static final int CAPACITY = 256 << 10; // bytes queued before a writer waits
  static final int CHUNK = 64 << 10;

  /** The system property with the kernel's output limit in bytes; none: nothing is cut here. */
  static final String LIMIT_PROPERTY = "quiver.output.limit";

  private static final class Chunk {
    final OutputStream wire;
    byte[] bytes;
    int length;

    Chunk(OutputStream wire, int capacity) {
      this.wire = wire;
      this.bytes = new byte[capacity];
    }

    /** Appends as much of {@code b} as fits in a chunk; returns how much. */
    int append(byte[] b, int off, int len) {
      int n = Math.min(len, CHUNK - length);
      if (length + n > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.min(CHUNK, Math.max(2 * bytes.length, length + n)));
      }
      System.arraycopy(b, off, bytes, length, n);
      length += n;
      return n;
    }
  }

  /** How long a line may grow before a stop lands in it anyway (a print loop without line ends). */
  private static final long LONG_LINE = 8192;

  private final Object lock = new Object();
  private final ArrayDeque<Chunk> queue = new ArrayDeque<>(); // guarded by lock
  private int queued; // bytes in the queue and being written; guarded by lock
  private IOException failure; // the socket failed: the kernel is gone; guarded by lock

  // Text past the limit (see the class comment); guarded by lock.
  private final long limit;
  private boolean counting; // a piece of a cell runs
  private long sent; // bytes of out and err sent since the piece began or the output was cleared
  private long cutBytes;
  private long cutLines;

  /** What a text stream last did with a byte: a character's later bytes go where its first went. */
  private static final class Text {
    boolean lastCut;
  }

  OutputPump() {
    this(limitFromProperty());
  }

  /**
   * @param limit the kernel's output limit in bytes (Long.MAX_VALUE: cut nothing)
   */
  OutputPump(long limit) {
    this.limit = limit;
    Thread.ofPlatform().daemon().name(THREAD).start(this::pump);
  }

  private static long limitFromProperty() {
    try {
      return Long.parseLong(System.getProperty(LIMIT_PROPERTY, "").strip());
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  /** A piece of a cell begins: the count of text sent starts afresh. */
  void pieceBegins() {
    synchronized (lock) {
      counting = true;
      sent = 0;
    }
  }

  /**
   * The cell's output was cleared (the display frame that says so is queued): the kernel shows its
   * output afresh, so the count of text sent starts afresh too.
   */
  void cleared() {
    synchronized (lock) {
      sent = 0;
    }
  }

  /**
   * The piece ended: text from other threads is sent again until the next piece begins. Returns
   * what was cut since the last call, or null when nothing was.
   */
  DisplayMessage.Cut pieceEnds() {
    synchronized (lock) {
      counting = false;
      if (cutBytes == 0) {
        return null;
      }
      var cut = new DisplayMessage.Cut(cutBytes, cutLines);
      cutBytes = 0;
      cutLines = 0;
      return cut;
    }
  }

  /**
   * A stream whose bytes go to {@code wire}, in order with the other streams of this pump.
   *
   * @param whole each write is a unit (a display frame): a stop may come before it, never in it
   */
  OutputStream stream(OutputStream wire, boolean whole) {
    var text = whole ? null : new Text();
    return new OutputStream() {
      // Bytes written since the last line ended: a stop lands only where a line begins, so the
      // last line a stopped cell shows is whole (println writes its text and its line end
      // separately); a line that never ends is stopped after LONG_LINE bytes all the same.
      private long sinceLineEnd;

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (whole || sinceLineEnd == 0 || sinceLineEnd > LONG_LINE) {
          CellStop.check();
        }
        offer(wire, text, b, off, len);
        if (len > 0) {
          int lastEnd = -1;
          for (int i = off + len - 1; i >= off; i--) {
            if (b[i] == '\n') {
              lastEnd = i;
              break;
            }
          }
          sinceLineEnd = lastEnd < 0 ? sinceLineEnd + len : off + len - 1 - lastEnd;
        }
      }

      // flush() does nothing: the pump writes as soon as it can, and a flush that waited for the
      // socket at every println (PrintStream's autoflush) would make printing as slow as before.
    };
  }

  private void offer(OutputStream wire, Text text, byte[] b, int off, int len) throws IOException {
    boolean whole = text == null;
    synchronized (lock) {
      if (!whole && len > 0) {
        long kept = withinLimit(text, b, off, len);
        off = (int) (kept >>> 32);
        len = (int) kept;
      }
      while (len > 0) {
        waitForRoom(!whole);
        var last = queue.peekLast();
        if (last == null || last.wire != wire || last.length == CHUNK) {
          last = new Chunk(wire, Math.min(CHUNK, Math.max(len, 1024)));
          queue.addLast(last);
        }
        int n = last.append(b, off, len);
        queued += n;
        off += n;
        len -= n;
        lock.notifyAll();
      }
    }
  }

  // Guarded by lock. Of text b[off, off + len), the part to send within the limit, as (offset <<
  // 32 | length); the rest is counted as cut. A character is never cut in two: bytes that continue
  // one go where its first byte went.
  private long withinLimit(Text text, byte[] b, int off, int len) {
    int start = 0;
    if (text.lastCut) {
      while (start < len && continuation(b[off + start])) {
        start++;
      }
    }
    long room =
        !counting || limit - sent >= len - start ? Long.MAX_VALUE : Math.max(0, limit - sent + 1);
    int keep = (int) Math.min(len - start, room);
    while (start + keep < len && continuation(b[off + start + keep])) {
      keep++;
    }
    if (counting) {
      sent += keep;
    }
    count(b, off, start);
    count(b, off + start + keep, len - start - keep);
    text.lastCut = !(keep > 0 && start + keep == len);
    return (long) (off + start) << 32 | keep;
  }

  private static boolean continuation(byte b) {
    return (b & 0xC0) == 0x80;
  }

  // Guarded by lock.
  private void count(byte[] b, int off, int len) {
    cutBytes += len;
    for (int i = off, end = off + len; i < end; i++) {
      if (b[i] == '\n') {
        cutLines++;
      }
    }
  }

  // Waits until the queue has room, without being interruptible: a cell that was interrupted may
  // still print (say why it stopped); only a stop the kernel asked for ends the wait, when
  // stoppable.
  private void waitForRoom(boolean stoppable) throws IOException {
    boolean interrupted = false;
    try {
      while (queued >= CAPACITY) {
        if (failure != null) {
          throw failure;
        }
        if (stoppable) {
          CellStop.check();
        }
        try {
          lock.wait(10);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (failure != null) {
        throw failure;
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void pump() {
    while (true) {
      Chunk next;
      synchronized (lock) {
        while ((next = queue.pollFirst()) == null) {
          try {
            lock.wait();
          } catch (InterruptedException e) {
            // the pump runs as long as the JVM
          }
        }
      }
      try {
        next.wire.write(next.bytes, 0, next.length);
        next.wire.flush();
      } catch (IOException e) {
        synchronized (lock) {
          failure = e;
        }
      }
      synchronized (lock) {
        queued -= next.length;
        lock.notifyAll();
      }
    }
  }

  /**
   * Waits (at most {@code millis}) until everything written so far is on the socket; the cell's
   * answer, sent after this, then follows its output. Returns false on timeout.
   */
  boolean awaitWritten(long millis) {
    long deadline = System.nanoTime() + millis * 1_000_000;
    boolean interrupted = false;
    synchronized (lock) {
      try {
        while (queued > 0 && failure == null) {
          long left = (deadline - System.nanoTime()) / 1_000_000;
          if (left <= 0) {
            return false;
          }
          try {
            lock.wait(left);
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
        return true;
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
