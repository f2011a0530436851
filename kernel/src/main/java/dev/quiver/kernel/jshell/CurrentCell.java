package dev.quiver.kernel.jshell;

import dev.quiver.display.MimeBundle;
import dev.quiver.kernel.Interpreter.Output;
import java.io.InputStream;

/**
 * The cell running now, as the cell JVM's streams and an interrupt see it: where its output goes,
 * whether it was interrupted, and the stdin it reads (a line asked of the frontend). One per
 * interpreter; Java cells and the cells of other languages ({@link LanguageBridge}) share it.
 */
final class CurrentCell {

  // Before the first cell: output from startup goes to the kernel's log.
  static final Output NO_OUTPUT =
      new Output() {
        @Override
        public void stream(String name, String text) {
          System.err.print(text);
        }

        @Override
        public void display(MimeBundle bundle, String id, boolean update) {
          System.err.println(bundle.text());
        }

        @Override
        public void clear(boolean wait) {}

        @Override
        public String input(String prompt, boolean password) {
          return null;
        }
      };

  private final StdinBridge stdin = new StdinBridge(this::askForLine);
  private volatile Output output = NO_OUTPUT;
  private volatile boolean interrupted;
  private volatile long cell; // cells begun so far: the number of the current or last one
  private volatile boolean running;
  private volatile Thread waitingForInput; // lets an interrupt end a wait for the user's input

  /**
   * A cell starts (before it waits for the cell JVM to start, so that an interrupt meanwhile is
   * kept): its output goes to {@code out}; an earlier interrupt and unread input are forgotten.
   */
  synchronized void begin(Output out) {
    output = out;
    interrupted = false;
    stdin.discard();
    cell++;
    running = true;
  }

  /** The cell is done (its outcome is known). */
  synchronized void end() {
    running = false;
  }

  /** The number of the cell running now, or of the last one. */
  long cell() {
    return cell;
  }

  /** Whether cell number {@code n} is still running. */
  boolean running(long n) {
    return running && cell == n;
  }

  Output output() {
    return output;
  }

  boolean interrupted() {
    return interrupted;
  }

  /**
   * The user interrupted: the cell's loop stops at its next piece, and a wait for input ends now.
   */
  void interrupt() {
    interrupted = true;
    output.interrupted();
    var t = waitingForInput;
    if (t != null) {
      t.interrupt();
    }
  }

  /** The cell JVM's {@code System.in}. */
  InputStream stdin() {
    return stdin;
  }

  private String askForLine() {
    if (interrupted) {
      return null;
    }
    waitingForInput = Thread.currentThread();
    try {
      return output.input("", false);
    } finally {
      waitingForInput = null;
      Thread.interrupted();
    }
  }
}
