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
 */
final class OutputPump {

  static final String THREAD = "quiver-output";
  static final int CAPACITY = 256 << 10; // bytes queued before a writer waits
  static final int CHUNK = 64 << 10;

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

  OutputPump() {
    Thread.ofPlatform().daemon().name(THREAD).start(this::pump);
  }

  /**
   * A stream whose bytes go to {@code wire}, in order with the other streams of this pump.
   *
   * @param whole each write is a unit (a display frame): a stop may come before it, never in it
   */
  OutputStream stream(OutputStream wire, boolean whole) {
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
        offer(wire, b, off, len, whole);
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

  private void offer(OutputStream wire, byte[] b, int off, int len, boolean whole)
      throws IOException {
    synchronized (lock) {
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
