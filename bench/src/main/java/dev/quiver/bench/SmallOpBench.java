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
  static volatile Tensor sink;

  private SmallOpBench() {}

  static List<Row> run(Options o) throws Exception {
    long n = o.size();
    Tensor a = Tensor.randn(new long[] {n}, 1);
    Tensor b = Tensor.randn(new long[] {n}, 2);
    int repeats = o.repeats() > 0 ? o.repeats() : 11;
    double gc =
        Timing.secondsPerCall(
                () -> {
                  Tensor last = null;
                  for (int i = 0; i < BATCH; i++) {
                    last = a.add(b);
                  }
                  sink = last;
                },
                100,
                repeats,
                2.0)
            / BATCH;
    double gcCpu = Timing.lastCpuSeconds / BATCH;
    double scoped =
        Timing.secondsPerCall(
                () -> {
                  try (var scope = MemoryScope.open()) {
                    Tensor last = null;
                    for (int i = 0; i < BATCH; i++) {
                      last = a.add(b);
                    }
                    sink = last;
                  }
                },
                100,
                repeats,
                2.0)
            / BATCH;
    double scopedCpu = Timing.lastCpuSeconds / BATCH;
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
            .put("cpu_ns_per_op", scopedCpu * 1e9));
    rows.add(
        new Row()
            .put("bench", "smallop")
            .put("size", n)
            .put("op", "add")
            .put("memory", "gc")
            .put("ns_per_op", gc * 1e9)
            .put("cpu_ns_per_op", gcCpu * 1e9));
    return rows;
  }

  static void addPeer(List<Row> rows, String peer, Map<String, Object> p) {
    double theirs = (Double) p.get("ns_per_op");
    for (Row r : rows) {
      // Time per op: lower is better, so ratio < 1 means Quiver is faster.
      r.put(peer + "_ns_per_op", theirs).put("ratio", (Double) r.get("ns_per_op") / theirs);
      if (p.get("cpu_ns_per_op") instanceof Double c) {
        r.put(peer + "_cpu_ns_per_op", c).put("cpu_ratio", (Double) r.get("cpu_ns_per_op") / c);
      }
    }
  }
}
