package dev.quiver.bench;

import dev.quiver.runtime.backend.cpu.Parallel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The benchmark command line behind {@code ./quiver bench}: {@code BenchMain NAME [--json] [--vs
 * numpy|torch] [--size N] [--device cpu|cuda|cuda:N]}.
 *
 * <p>Each benchmark times Quiver in this JVM, then (with {@code --vs}) the same work in Debian's
 * {@code /usr/bin/python3} with the peer limited to 2 threads, and prints both figures and their
 * ratio. Exit status: 0 on success, 2 for a bad command line, 3 when the peer is missing (the
 * message says what to install), 1 for anything else.
 */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) {
    int status;
    try {
      status = run(Options.parse(args), args);
    } catch (Options.UsageException e) {
      if (e.getMessage() != null) {
        System.err.println("bench: " + e.getMessage());
      }
      System.err.println(Options.usage());
      status = e.getMessage() == null ? 0 : 2;
    } catch (Peer.MissingPeerException e) {
      System.err.println("bench: the peer cannot run: " + e.getMessage());
      status = 3;
    } catch (Exception e) {
      System.err.println("bench: " + e);
      status = 1;
    }
    System.exit(status);
  }

  static int run(Options o, String[] args) throws Exception {
    // Check the peer first: a missing torch should fail in a second, not after a minute of timing.
    if (o.peer() != null) {
      Peer.findScript();
      checkPeer(o.peer());
    }
    List<Row> rows = o.jvms() > 1 ? FreshJvms.run(o, args) : runHere(o);
    if (o.json()) {
      rows.forEach(r -> System.out.println(r.toJson()));
    } else {
      printTable(rows);
    }
    return 0;
  }

  /**
   * The benchmark and its peer in this JVM: the peer's turns (its start, warm-ups and rounds)
   * alternate with the benchmark's measured rounds ({@link PairedPeer}, {@link Timing#between}).
   */
  static List<Row> runHere(Options o) throws Exception {
    PairedPeer paired =
        o.peer() == null ? null : new PairedPeer(o.bench(), o.size(), o.peer(), o.device());
    Timing.between = paired == null ? null : paired::turn;
    List<Row> rows;
    Map<String, Object> p;
    try {
      rows = quiver(o);
      p = paired == null ? null : paired.finish();
    } finally {
      Timing.between = null;
      if (paired != null) {
        paired.close();
      }
    }
    return withPeer(o, rows, p);
  }

  private static List<Row> quiver(Options o) throws Exception {
    List<Row> rows =
        switch (o.bench()) {
          case "matmul" -> MatmulBench.run(o);
          case "smallop" -> SmallOpBench.run(o);
          case "elementwise" -> ElementwiseBench.run(o);
          case "iris-train" -> TrainBench.iris(o);
          case "mlp-train" -> TrainBench.mlp(o);
          case "lstm-train" -> LstmTrainBench.run(o);
          case "conv2d" -> ConvBench.conv2d(o);
          case "lenet-train" -> ConvBench.lenet(o);
          case "fashion-cnn" -> ConvBench.fashion(o);
          default -> throw new Options.UsageException("unknown benchmark " + o.bench());
        };
    // A benchmark that ignored --device would be compared with a peer on the GPU: refuse rather
    // than print a CPU figure next to a GPU one. Benchmarks that run on a device say so in
    // "device".
    if (o.device().kind() != dev.quiver.runtime.Device.Kind.CPU) {
      for (Row r : rows) {
        if (!o.device().toString().equals(String.valueOf(r.get("device")).split(" ")[0])) {
          throw new Options.UsageException(
              "--device "
                  + o.device()
                  + ": the "
                  + o.bench()
                  + " benchmark does not run on that device in this build");
        }
      }
    }
    return rows;
  }

  /** {@code rows} with the peer's figures {@code p} (null: no peer) and the run's configuration. */
  private static List<Row> withPeer(Options o, List<Row> rows, Map<String, Object> p) {
    if (p != null) {
      switch (o.bench()) {
        case "matmul" -> MatmulBench.addPeer(rows, o.peer(), p);
        case "smallop" -> SmallOpBench.addPeer(rows, o.peer(), p);
        case "iris-train", "mlp-train" -> TrainBench.addPeer(rows, o.peer(), p);
        case "lstm-train" -> LstmTrainBench.addPeer(rows, o.peer(), p);
        case "conv2d", "lenet-train", "fashion-cnn" -> ConvBench.addPeer(rows, o.peer(), p);
        default -> ElementwiseBench.addPeer(rows, o.peer(), p);
      }
      for (Row r : rows) {
        // The thread count is configuration, not a measurement: an int, so it gets no range.
        Object threads =
            p.get("threads") instanceof Number n ? (Object) n.intValue() : p.get("threads");
        r.put("peer_version", p.get("version")).put("peer_threads", threads);
      }
    }
    for (Row r : rows) {
      r.put("java_threads", Parallel.threads())
          .put("cpus", Runtime.getRuntime().availableProcessors());
      if (FreshJvms.inChild()) {
        r.put(FreshJvms.MEASURED, r.measuredKeys());
      }
    }
    return rows;
  }

  /** Fails fast, with the install command, when /usr/bin/python3 cannot import the peer. */
  static void checkPeer(String peer) throws Exception {
    if (!java.nio.file.Files.isExecutable(java.nio.file.Path.of(Peer.PYTHON))) {
      throw new Peer.MissingPeerException(
          Peer.PYTHON
              + " was not found; install it with: apt-get install -y python3 python3-"
              + peer);
    }
    Process p =
        new ProcessBuilder(
                Peer.PYTHON, "-c", "import numpy" + (peer.equals("torch") ? ", torch" : ""))
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    if (p.waitFor() != 0) {
      String pkg = out.contains("torch") ? "python3-torch" : "python3-numpy";
      throw new Peer.MissingPeerException(
          Peer.PYTHON
              + " cannot import "
              + peer
              + " ("
              + out.substring(out.lastIndexOf('\n') + 1)
              + ")\n  install it with: apt-get install -y "
              + pkg);
    }
  }

  /**
   * One column per field; a figure with {@code _min} and {@code _max} shows as "median (min-max)".
   */
  private static void printTable(List<Row> rows) {
    List<String> keys = new ArrayList<>();
    for (Row r : rows) {
      for (String k : r.fields.keySet()) {
        boolean range =
            (k.endsWith("_min") || k.endsWith("_max"))
                && r.fields.containsKey(k.substring(0, k.length() - 4));
        boolean raw = r.get(k) instanceof List<?>; // raw rounds: in the JSON only
        if (!keys.contains(k) && !range && !raw) {
          keys.add(k);
        }
      }
    }
    int[] width = new int[keys.size()];
    List<String[]> cells = new ArrayList<>();
    for (Row r : rows) {
      String[] c = new String[keys.size()];
      for (int i = 0; i < c.length; i++) {
        Object v = r.get(keys.get(i));
        Object min = r.get(keys.get(i) + "_min");
        Object max = r.get(keys.get(i) + "_max");
        c[i] =
            v == null
                ? ""
                : min == null
                    ? Row.human(v)
                    : Row.human(v) + " (" + Row.human(min) + "-" + Row.human(max) + ")";
      }
      cells.add(c);
    }
    for (int i = 0; i < width.length; i++) {
      width[i] = keys.get(i).length();
      for (String[] c : cells) {
        width[i] = Math.max(width[i], c[i].length());
      }
    }
    StringBuilder head = new StringBuilder();
    for (int i = 0; i < width.length; i++) {
      head.append(String.format(Locale.ROOT, "%-" + width[i] + "s  ", keys.get(i)));
    }
    System.out.println(head.toString().stripTrailing());
    for (String[] c : cells) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < width.length; i++) {
        line.append(String.format(Locale.ROOT, "%-" + width[i] + "s  ", c[i]));
      }
      System.out.println(line.toString().stripTrailing());
    }
  }
}
