package dev.quiver.kernel.jshell;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * The cell JVM's {@code System.in}: JShell asks for one byte at a time when a cell reads; when
 * nothing is buffered, this asks the frontend for a line ({@code input_request}). No answer (no
 * frontend input, or an interrupt) fails that read with an IOException.
 */
final class StdinBridge extends InputStream {

  private final Supplier<String> askForLine;
  private byte[] line = new byte[0];
  private int at;

  StdinBridge(Supplier<String> askForLine) {
    this.askForLine = askForLine;
  }

  @Override
  public synchronized int read() throws IOException {
    if (at >= line.length) {
      String answer = askForLine.get();
      if (answer == null) {
        // Not -1: JShell would pass that on as "stream closed", and the cell JVM's System.in
        // would stay closed for every later cell. An IOException ends only this read.
        throw new IOException(
            "no input: this frontend does not send input (allow_stdin is false), or the cell was interrupted");
      }
      line = (answer + "\n").getBytes(StandardCharsets.UTF_8);
      at = 0;
    }
    return line[at++] & 0xFF;
  }

  /** Drops what the previous cell did not read. */
  synchronized void discard() {
    line = new byte[0];
    at = 0;
  }
}
