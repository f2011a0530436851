package dev.quiver.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs a benchmark in several fresh JVMs and reports each figure as the median with its min and
 * max.
 *
 * <p>Why: the same build gives figures that differ from one JVM to the next (which methods the JIT
 * inlines where, what the profile saw first, where the GC placed the heap), so one JVM's figure is
 * a sample, not a result. Each child runs the whole benchmark, the peer included, Quiver's rounds
 * and the peer's turn by turn ({@link PairedPeer}), so machine drift hits both alike; a child's
 * figure is the lower decile of its rounds ({@link Timing#FIGURE_QUANTILE}), and a ratio is the
 * median of the per-JVM ratios. Raw rounds (list values) are kept, one list per JVM.
 *
 * <p>A child marks its measured fields (the timings, the ratios: its {@code Double} values) in a
 * {@value #MEASURED} field; configuration such as the size or the thread count is copied as is.
 */
final class FreshJvms {
  /** Set in a child JVM: print the rows as JSON with their measured keys. */
  static final String CHILD_PROPERTY = "quiver.bench.child";

  static final String MEASURED = "measured";

  private FreshJvms() {}

  static boolean inChild() {
    return Boolean.getBoolean(CHILD_PROPERTY);
  }

  /** The rows of {@code o}'s benchmark, each the median over {@code o.jvms()} fresh JVMs. */
  static List<Row> run(Options o, String[] args) throws Exception {
    List<List<Row>> runs = new ArrayList<>();
    for (int i = 0; i < o.jvms(); i++) {
      System.err.printf("bench: %s in fresh JVM %d of %d%n", o.bench(), i + 1, o.jvms());
      runs.add(child(args));
    }
    return aggregate(runs);
  }

  private static List<Row> child(String[] args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.add("-D" + CHILD_PROPERTY + "=true");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(BenchMain.class.getName());
    command.addAll(withoutJvmsAndJson(args));
    command.addAll(List.of("--jvms", "1", "--json"));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes());
    int status = p.waitFor();
    if (status != 0) {
      throw new IllegalStateException(
          "a benchmark JVM exited with status " + status + " (its messages are above)");
    }
    List<Row> rows = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (line.startsWith("{")) {
        rows.add(Row.parseJson(line));
      } else if (!line.isBlank()) {
        System.out.println(line);
      }
    }
    return rows;
  }

  private static List<String> withoutJvmsAndJson(String[] args) {
    List<String> kept = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--jvms")) {
        i++;
      } else if (!args[i].equals("--json")) {
        kept.add(args[i]);
      }
    }
    return kept;
  }

  /**
   * Row i of the result combines row i of every run: a measured field becomes its median, then
   * {@code key_min} and {@code key_max}; any other field is the first run's value.
   */
  static List<Row> aggregate(List<List<Row>> runs) {
    int rowCount = runs.getFirst().size();
    for (List<Row> run : runs) {
      if (run.size() != rowCount) {
        throw new IllegalStateException(
            "the benchmark JVMs printed different numbers of rows: "
                + runs.stream().map(List::size).toList());
      }
    }
    List<Row> out = new ArrayList<>();
    for (int i = 0; i < rowCount; i++) {
      Row first = runs.getFirst().get(i);
      Set<String> measured = new LinkedHashSet<>();
      for (List<Row> run : runs) {
        Object m = run.get(i).get(MEASURED);
        if (m != null && !m.toString().isEmpty()) {
          measured.addAll(Arrays.asList(m.toString().split(",")));
        }
      }
      Row r = new Row();
      for (Map.Entry<String, Object> e : first.fields.entrySet()) {
        String key = e.getKey();
        if (key.equals(MEASURED)) {
          continue;
        }
        if (e.getValue() instanceof List<?>) {
          // Raw rounds: kept as they were, one list per JVM, so nothing is hidden by the median.
          List<Object> perJvm = new ArrayList<>();
          for (List<Row> run : runs) {
            perJvm.add(run.get(i).get(key));
          }
          r.put(key, perJvm);
          continue;
        }
        if (!measured.contains(key)) {
          r.put(key, e.getValue());
          continue;
        }
        double[] values = new double[runs.size()];
        int n = 0;
        for (List<Row> run : runs) {
          if (run.get(i).get(key) instanceof Number v && Double.isFinite(v.doubleValue())) {
            values[n++] = v.doubleValue();
          }
        }
        if (n == 0) {
          r.put(key, null);
          continue;
        }
        values = Arrays.copyOf(values, n);
        r.put(key, Timing.median(values))
            .put(key + "_min", Arrays.stream(values).min().orElseThrow())
            .put(key + "_max", Arrays.stream(values).max().orElseThrow());
      }
      out.add(r.put("jvms", runs.size()));
    }
    return out;
  }
}
