package dev.quiver.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
          "\"([^\"]+)\"\\s*:\\s*(\"((?:[^\"\\\\]|\\\\.)*)\"|\\[[^\\]]*\\]|-?[0-9.eE+-]+|true|false|null|NaN|-?Infinity)");

  /**
   * Parses a flat JSON object of strings, numbers and arrays of numbers (a figure's raw rounds):
   * all peer.py prints.
   */
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
      } else if (raw.startsWith("[")) {
        List<Double> list = new ArrayList<>();
        for (String x : raw.substring(1, raw.length() - 1).split(",")) {
          if (!x.isBlank()) {
            list.add(Double.parseDouble(x.strip()));
          }
        }
        v = list;
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
