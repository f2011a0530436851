package dev.quiver.bench;

import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.memory.MemoryScope;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Nanoseconds per {@code a.add(b)} of two small float32 tensors, the result allocated each time as
 * user code does. Two ways of freeing, both realistic:
 *
 * <ul>
 *   <li>{@code scope} (the headline, first row): a loop of many ops is a training loop's shape, and
 *       there a {@link MemoryScope} around every 1000 ops frees the results deterministically, as
 *       torch's reference counting does.
 *   <li>{@code gc}: nothing is freed by hand (a notebook); the garbage collector and the reclaimer
 *       free the results, and their cost (copying each buffer's Arrow bookkeeping out of the young
 *       generation once, reference processing, the occasional System.gc for native pressure) is
 *       part of the figure because the loop runs long enough for many collections.
 * </ul>
 *
 * Besides wall time, {@code cpu_ns_per_op} is the process's CPU time per op (all threads).
 */
final class SmallOpBench {
  static final int BATCH = 1000;

  /**
   * Calls of a 1000-op body per sample: 300 000 ops, about 0.1-0.5 s, so that each sample spans
   * several young collections (and the GC-managed row's occasional full one) instead of landing
   * between them by chance, which made one JVM's median differ from the next one's.
   */
  static final int INNER = 300;

  /** Calls per warm-up round: 50 000 ops. */
  static final int WARM_INNER = 50;

  /**
   * Warm-up: until the best round has not improved for eight rounds (at least 3 s, at most 20 s). A
   * fixed 2 s measured some JVMs before C2 had compiled the op's path on a loaded machine.
   */
  static final double MIN_WARMUP_SECONDS = 3.0;

  static final double MAX_WARMUP_SECONDS = 20.0;
  static volatile Tensor sink;

  private SmallOpBench() {}

  static List<Row> run(Options o) throws Exception {
    long n = o.size();
    Tensor a = Tensor.randn(new long[] {n}, 1);
    Tensor b = Tensor.randn(new long[] {n}, 2);
    int repeats = o.repeats() > 0 ? o.repeats() : 9;
    double gc =
        Timing.settledSecondsPerCall(
                () -> {
                  Tensor last = null;
                  for (int i = 0; i < BATCH; i++) {
                    last = a.add(b);
                  }
                  sink = last;
                },
                WARM_INNER,
                INNER,
                repeats,
                MIN_WARMUP_SECONDS,
                MAX_WARMUP_SECONDS)
            / BATCH;
    double gcCpu = Timing.lastCpuSeconds / BATCH;
    double gcCore = Timing.lastCoreMicros;
    double gcMedian = Timing.lastMedianSeconds / BATCH;
    var gcRounds = Timing.rounds(Timing.lastSamples, 1e9 / BATCH);
    var gcCpuRounds = Timing.rounds(Timing.lastCpus, 1e9 / BATCH);
    var gcCores = Timing.rounds(Timing.lastCores, 1);
    double scoped =
        Timing.settledSecondsPerCall(
                () -> {
                  try (var scope = MemoryScope.open()) {
                    Tensor last = null;
                    for (int i = 0; i < BATCH; i++) {
                      last = a.add(b);
                    }
                    sink = last;
                  }
                },
                WARM_INNER,
                INNER,
                repeats,
                MIN_WARMUP_SECONDS,
                MAX_WARMUP_SECONDS)
            / BATCH;
    double scopedCpu = Timing.lastCpuSeconds / BATCH;
    double scopedCore = Timing.lastCoreMicros;
    sink = null;
    List<Row> rows = new ArrayList<>();
    // The scope row first: it is the headline (a loop of ops, as in training); see the class
    // comment.
    rows.add(
        new Row()
            .put("bench", "smallop")
            .put("size", n)
            .put("op", "add")
            .put("memory", "scope")
            .put("ns_per_op", scoped * 1e9)
            .put("ns_per_op_median", Timing.lastMedianSeconds / BATCH * 1e9)
            .put("cpu_ns_per_op", scopedCpu * 1e9)
            .put("core_us", scopedCore)
            .put("ns_per_op_rounds", Timing.rounds(Timing.lastSamples, 1e9 / BATCH))
            .put("cpu_ns_per_op_rounds", Timing.rounds(Timing.lastCpus, 1e9 / BATCH))
            .put("core_us_rounds", Timing.rounds(Timing.lastCores, 1)));
    rows.add(
        new Row()
            .put("bench", "smallop")
            .put("size", n)
            .put("op", "add")
            .put("memory", "gc")
            .put("ns_per_op", gc * 1e9)
            .put("ns_per_op_median", gcMedian * 1e9)
            .put("cpu_ns_per_op", gcCpu * 1e9)
            .put("core_us", gcCore)
            .put("ns_per_op_rounds", gcRounds)
            .put("cpu_ns_per_op_rounds", gcCpuRounds)
            .put("core_us_rounds", gcCores));
    return rows;
  }

  static void addPeer(List<Row> rows, String peer, Map<String, Object> p) {
    double theirs = (Double) p.get("ns_per_op");
    for (Row r : rows) {
      // Time per op: lower is better, so ratio < 1 means Quiver is faster.
      r.put(peer + "_ns_per_op", theirs)
          .put("ratio", (Double) r.get("ns_per_op") / theirs)
          .put(peer + "_ns_per_op_median", p.get("ns_per_op_median"))
          .put(peer + "_ns_per_op_rounds", p.get("ns_per_op_rounds"))
          .put(peer + "_cpu_ns_per_op_rounds", p.get("cpu_ns_per_op_rounds"));
      if (p.get("cpu_ns_per_op") instanceof Double c) {
        r.put(peer + "_cpu_ns_per_op", c).put("cpu_ratio", (Double) r.get("cpu_ns_per_op") / c);
      }
    }
  }
}
