package dev.quiver.kernel.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.kernel.Log;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The inputs of executed cells, one JSON line each in a file, so history survives restarts. Each
 * kernel start is a new session, numbered after the last one in the file.
 *
 * <p>The file only grows (a line per cell ever run: about 1 MB after a few thousand), and the
 * kernel starts on its main thread before it can answer anyone. So the start only scans the file
 * for the highest session number (the writer puts it first on each line); the earlier sessions'
 * cells are parsed when a client first asks for history, from the part of the file that was there
 * at the start (what another kernel appends meanwhile is its own session's).
 */
public final class History {

  /** One entry: session, line (the execution count) and the cell's source. */
  public record Entry(int session, int line, String source) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] SESSION_LEAD = "{\"session\":".getBytes(StandardCharsets.US_ASCII);

  private final Path file;
  private final int session;
  private final long sizeAtStart; // the bytes of earlier sessions' cells
  private final List<Entry> added = new ArrayList<>(); // this session's, in order
  private List<Entry> earlier; // read on first use; guarded by this

  public History(Path file) {
    this.file = file;
    byte[] text = read(file, Long.MAX_VALUE);
    this.sizeAtStart = text.length;
    this.session = lastSession(text) + 1;
  }

  public int session() {
    return session;
  }

  public synchronized void add(int line, String source) {
    var e = new Entry(session, line, source);
    added.add(e);
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
    var entries = entries();
    return List.copyOf(
        entries.subList(Math.max(0, entries.size() - Math.max(0, n)), entries.size()));
  }

  /** Session 0 is this one; negative sessions count back from it. Lines are [start, stop). */
  public synchronized List<Entry> range(int sessionArg, int start, int stop) {
    int s = sessionArg <= 0 ? session + sessionArg : sessionArg;
    return entries().stream()
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
    var entries = entries();
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

  // Guarded by this: the earlier sessions' cells, then this session's.
  private List<Entry> entries() {
    if (earlier == null) {
      earlier = new ArrayList<>();
      var text = new String(read(file, sizeAtStart), StandardCharsets.UTF_8);
      for (var line : text.split("\n")) {
        var e = parse(line);
        if (e != null && e.session() != session) {
          earlier.add(e);
        }
      }
    }
    var all = new ArrayList<Entry>(earlier.size() + added.size());
    all.addAll(earlier);
    all.addAll(added);
    return all;
  }

  // The first `limit` bytes of the file; none when it does not exist or cannot be read.
  private static byte[] read(Path file, long limit) {
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes((int) Math.min(limit, Integer.MAX_VALUE - 8));
    } catch (NoSuchFileException e) {
      return new byte[0];
    } catch (IOException e) {
      Log.info("history: cannot read " + file + ": " + e.getMessage());
      return new byte[0];
    }
  }

  /**
   * The highest session in the file's lines: read from each line's lead when it is the writer's
   * ({@code {"session":N,}... {@code }}), else from the line parsed as JSON; a line that is neither
   * (torn by a crash) counts for nothing.
   */
  static int lastSession(byte[] text) {
    int last = 0;
    int start = 0;
    while (start < text.length) {
      int end = start;
      while (end < text.length && text[end] != '\n') {
        end++;
      }
      int s = sessionLead(text, start, end);
      if (s < 0 && end > start) {
        var e = parse(new String(text, start, end - start, StandardCharsets.UTF_8));
        s = e == null ? 0 : e.session();
      }
      last = Math.max(last, s);
      start = end + 1;
    }
    return last;
  }

  // N of a line [start, end) that reads {"session":N,...}, or -1 for any other line.
  private static int sessionLead(byte[] text, int start, int end) {
    int i = start + SESSION_LEAD.length;
    if (i >= end || text[end - 1] != '}') {
      return -1;
    }
    for (int k = 0; k < SESSION_LEAD.length; k++) {
      if (text[start + k] != SESSION_LEAD[k]) {
        return -1;
      }
    }
    int n = 0;
    int digits = 0;
    for (; i < end && text[i] >= '0' && text[i] <= '9' && digits < 9; i++, digits++) {
      n = n * 10 + (text[i] - '0');
    }
    return digits > 0 && i < end && (text[i] == ',' || text[i] == '}') ? n : -1;
  }

  private static Entry parse(String line) {
    if (line.isBlank()) {
      return null;
    }
    try {
      JsonNode n = JSON.readTree(line);
      return new Entry(
          n.path("session").asInt(), n.path("line").asInt(), n.path("source").asText());
    } catch (Exception ignored) {
      return null; // a torn line from a crash: skip it
    }
  }
}
