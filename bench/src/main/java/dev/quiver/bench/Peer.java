package dev.quiver.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs {@code bench/python/peer.py} in Debian's {@code /usr/bin/python3} (never a virtualenv's
 * python: the peers are the distribution's numpy and torch) with 2 threads, and parses its one JSON
 * line.
 */
final class Peer {
  static final String PYTHON = System.getProperty("quiver.bench.python", "/usr/bin/python3");
  static final int THREADS = Integer.getInteger("quiver.bench.peerThreads", 2);

  private Peer() {}

  /** Thrown when the peer cannot run; the message says what to install. */
  static final class MissingPeerException extends RuntimeException {
    MissingPeerException(String message) {
      super(message);
    }
  }

  static Map<String, Object> run(String bench, long size, String peer)
      throws IOException, InterruptedException {
    return run(bench, size, peer, dev.quiver.runtime.Device.CPU);
  }

  /**
   * As above, with the peer's tensors on {@code device} (torch only for cuda: it runs on the same
   * GPU).
   */
  static Map<String, Object> run(
      String bench, long size, String peer, dev.quiver.runtime.Device device)
      throws IOException, InterruptedException {
    if (!Files.isExecutable(Path.of(PYTHON))) {
      throw new MissingPeerException(
          PYTHON
              + " was not found; install Debian's python and the peer: "
              + "apt-get install -y python3 python3-"
              + peer);
    }
    Path script = findScript();
    var pb =
        new ProcessBuilder(
            PYTHON, script.toString(), bench, Long.toString(size), peer, device.toString());
    String t = Integer.toString(THREADS);
    pb.environment().put("QUIVER_PEER_THREADS", t);
    pb.environment().put("OMP_NUM_THREADS", t);
    pb.environment().put("OPENBLAS_NUM_THREADS", t);
    pb.environment().put("MKL_NUM_THREADS", t);
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!p.waitFor(15, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IOException("the " + peer + " peer did not finish in 15 minutes");
    }
    String line = out.isEmpty() ? "" : out.substring(out.lastIndexOf('\n') + 1);
    Map<String, Object> json = parseFlat(line);
    if (json.containsKey("install")) {
      throw new MissingPeerException(
          json.get("error") + "\n  install it with: " + json.get("install"));
    }
    if (p.exitValue() != 0 || json.containsKey("error") || json.isEmpty()) {
      throw new IOException("the " + peer + " peer failed (exit " + p.exitValue() + "): " + out);
    }
    return json;
  }

  /**
   * The script sits in the source tree: next to the working directory, or above the bench classes.
   */
  static Path findScript() {
    String explicit = System.getProperty("quiver.bench.script");
    if (explicit != null) {
      return Path.of(explicit);
    }
    Path rel = Path.of("bench", "python", "peer.py");
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve(rel))) {
        return dir.resolve(rel);
      }
      if (Files.isRegularFile(dir.resolve("python/peer.py"))) {
        return dir.resolve("python/peer.py");
      }
    }
    try {
      Path classes =
          Path.of(Peer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      for (Path dir = classes; dir != null; dir = dir.getParent()) {
        if (Files.isRegularFile(dir.resolve(rel))) {
          return dir.resolve(rel);
        }
      }
    } catch (Exception ignored) {
      // fall through to the error below
    }
    throw new MissingPeerException(
        "bench/python/peer.py was not found; run from the Quiver checkout "
            + "or pass -Dquiver.bench.script=PATH");
  }

  private static final Pattern FIELD =
      Pattern.compile(
          "\"([^\"]+)\"\\s*:\\s*(\"((?:[^\"\\\\]|\\\\.)*)\"|-?[0-9.eE+-]+|true|false|null|NaN|-?Infinity)");

  /** Parses a flat JSON object of strings and numbers (all peer.py prints). */
  static Map<String, Object> parseFlat(String line) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (!line.startsWith("{")) {
      return out;
    }
    Matcher m = FIELD.matcher(line);
    while (m.find()) {
      String raw = m.group(2);
      Object v;
      if (m.group(3) != null) {
        v = m.group(3).replace("\\\"", "\"").replace("\\\\", "\\");
      } else if (raw.equals("true") || raw.equals("false")) {
        v = Boolean.parseBoolean(raw);
      } else if (raw.equals("null")) {
        v = null;
      } else {
        v = Double.parseDouble(raw);
      }
      out.put(m.group(1), v);
    }
    return out;
  }
}
