package dev.quiver.bench;

import dev.quiver.runtime.Device;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The peer ({@code bench/python/peer.py}) run turn by turn between Quiver's rounds: with {@code
 * QUIVER_PEER_PAIRED=1} the script stops before each warm-up and each round, prints {@code turn}
 * and waits for a {@code go} line; {@link #turn} lets it do that one piece of work while this JVM
 * waits. {@link Timing} calls it after each of its measured rounds, so Quiver's rounds and the
 * peer's alternate and both sides see the same machine: the build machine's core changes speed over
 * seconds ({@link CoreSpeed}), and a peer run after Quiver's whole measurement saw another period
 * of it than Quiver did. Turns the peer still has when Quiver's rounds end run back to back in
 * {@link #finish}.
 */
final class PairedPeer implements AutoCloseable {
  private final ProcessBuilder command;
  private final String peer;
  private Process process;
  private BufferedReader out;
  private Writer in;
  private String lastLine = "";
  private final StringBuilder all = new StringBuilder();
  private boolean done;

  PairedPeer(String bench, long size, String peer, Device device) {
    this.peer = peer;
    this.command =
        new ProcessBuilder(
            Peer.PYTHON,
            Peer.findScript().toString(),
            bench,
            Long.toString(size),
            peer,
            device.toString());
    String t = Integer.toString(Peer.THREADS);
    var env = command.environment();
    env.put("QUIVER_PEER_THREADS", t);
    env.put("OMP_NUM_THREADS", t);
    env.put("OPENBLAS_NUM_THREADS", t);
    env.put("MKL_NUM_THREADS", t);
    env.put("QUIVER_PEER_PAIRED", "1");
    command.redirectError(ProcessBuilder.Redirect.INHERIT);
  }

  /**
   * Lets the peer do its next piece of work (its start and set-up, a warm-up, or one round) and
   * waits until it has; nothing once the peer has printed its result.
   */
  void turn() throws IOException {
    if (done) {
      return;
    }
    if (process == null) {
      process = command.start();
      out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      in = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    } else {
      in.write("go\n");
      in.flush();
    }
    for (String line; (line = out.readLine()) != null; ) {
      if (line.equals("turn")) {
        return;
      }
      all.append(line).append('\n');
      if (!line.isBlank()) {
        lastLine = line.strip();
      }
    }
    done = true;
  }

  /** Runs the peer's remaining turns and returns its result line, parsed. */
  Map<String, Object> finish() throws IOException, InterruptedException {
    while (!done) {
      turn();
    }
    if (!process.waitFor(15, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new IOException("the " + peer + " peer did not finish in 15 minutes");
    }
    Map<String, Object> json = Peer.parseFlat(lastLine);
    if (json.containsKey("install")) {
      throw new Peer.MissingPeerException(
          json.get("error") + "\n  install it with: " + json.get("install"));
    }
    if (process.exitValue() != 0 || json.containsKey("error") || json.isEmpty()) {
      throw new IOException(
          "the "
              + peer
              + " peer failed (exit "
              + process.exitValue()
              + "): "
              + all.toString().strip());
    }
    return json;
  }

  /** Stops the peer if it is still running (a benchmark that failed half way). */
  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
