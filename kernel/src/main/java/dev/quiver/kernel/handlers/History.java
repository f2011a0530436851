package dev.quiver.kernel.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.kernel.Log;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The inputs of executed cells, one JSON line each in a file, so history survives restarts. Each
 * kernel start is a new session, numbered after the last one in the file.
 */
public final class History {

  /** One entry: session, line (the execution count) and the cell's source. */
  public record Entry(int session, int line, String source) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path file;
  private final List<Entry> entries = new ArrayList<>();
  private final int session;

  public History(Path file) {
    this.file = file;
    int last = 0;
    try {
      if (Files.exists(file)) {
        for (var line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          try {
            JsonNode n = JSON.readTree(line);
            var e =
                new Entry(
                    n.path("session").asInt(), n.path("line").asInt(), n.path("source").asText());
            entries.add(e);
            last = Math.max(last, e.session());
          } catch (Exception ignored) {
            // a torn line from a crash: skip it
          }
        }
      }
    } catch (IOException e) {
      Log.info("history: cannot read " + file + ": " + e.getMessage());
    }
    session = last + 1;
  }

  public int session() {
    return session;
  }

  public synchronized void add(int line, String source) {
    var e = new Entry(session, line, source);
    entries.add(e);
    try {
      Files.createDirectories(file.getParent());
      var m = new LinkedHashMap<String, Object>();
      m.put("session", e.session());
      m.put("line", e.line());
      m.put("source", e.source());
      Files.writeString(
          file,
          JSON.writeValueAsString(m) + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException ex) {
      Log.info("history: cannot write " + file + ": " + ex.getMessage());
    }
  }

  public synchronized List<Entry> tail(int n) {
    return List.copyOf(
        entries.subList(Math.max(0, entries.size() - Math.max(0, n)), entries.size()));
  }

  /** Session 0 is this one; negative sessions count back from it. Lines are [start, stop). */
  public synchronized List<Entry> range(int sessionArg, int start, int stop) {
    int s = sessionArg <= 0 ? session + sessionArg : sessionArg;
    return entries.stream()
        .filter(e -> e.session() == s && e.line() >= start && (stop <= 0 || e.line() < stop))
        .toList();
  }

  /** Glob pattern ({@code *} and {@code ?}), newest n, optionally without repeated sources. */
  public synchronized List<Entry> search(String glob, int n, boolean unique) {
    var regex = new StringBuilder();
    for (char c : glob.toCharArray()) {
      switch (c) {
        case '*' -> regex.append(".*");
        case '?' -> regex.append('.');
        default -> regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    var p = Pattern.compile(regex.toString(), Pattern.DOTALL);
    var out = new ArrayList<Entry>();
    var seen = new java.util.HashSet<String>();
    for (int i = entries.size() - 1; i >= 0 && (n <= 0 || out.size() < n); i--) {
      var e = entries.get(i);
      if (p.matcher(e.source()).matches() && (!unique || seen.add(e.source()))) {
        out.addFirst(e);
      }
    }
    return out;
  }
}
