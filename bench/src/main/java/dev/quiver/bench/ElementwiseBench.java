package dev.quiver.bench;

import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.memory.MemoryScope;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * GB/s of the chain {@code relu(a * b + c)} on N floats against a plain copy of N floats.
 *
 * <p>Bytes are counted once per array touched: the chain reads a, b, c and writes the result (4 ×
 * 4N bytes), the copy reads src and writes dst (2 × 4N bytes), whatever temporaries or
 * write-allocate traffic an implementation adds. Rows:
 *
 * <ul>
 *   <li>{@code fused}: {@code a.fused().mul(b).add(c).relu().eval()}, the result allocated each
 *       time (the headline: what user code does);
 *   <li>{@code fused_into}: the same chain into a preallocated tensor, like the copy;
 *   <li>{@code unfused}: {@code a.mul(b).add(c).relu()}, two temporaries and a result.
 * </ul>
 *
 * Results are freed by a {@link MemoryScope} per call, as a training loop would.
 */
final class ElementwiseBench {
  private ElementwiseBench() {}

  static List<Row> run(Options o) throws Exception {
    long n = o.size();
    long[] shape = {n};
    Tensor a = Tensor.randn(shape, 1);
    Tensor b = Tensor.randn(shape, 2);
    Tensor c = Tensor.randn(shape, 3);
    Tensor src = Tensor.randn(shape, 4);
    Tensor dst = Tensor.zeros(n);
    Tensor out = Tensor.zeros(n);
    int reps = o.repeats();
    double copy = Timing.adaptive(() -> dst.copyFrom(src), reps);
    double fused =
        Timing.adaptive(
            () -> {
              try (var s = MemoryScope.open()) {
                a.fused().mul(b).add(c).relu().eval();
              }
            },
            reps);
    double into = Timing.adaptive(() -> a.fused().mul(b).add(c).relu().into(out), reps);
    double unfused =
        Timing.adaptive(
            () -> {
              try (var s = MemoryScope.open()) {
                a.mul(b).add(c).relu();
              }
            },
            reps);
    double chainBytes = 4.0 * 4 * n;
    double copyBytes = 2.0 * 4 * n;
    double copyGbps = copyBytes / copy / 1e9;
    List<Row> rows = new ArrayList<>();
    for (var e :
        List.of(
            Map.entry("fused", fused),
            Map.entry("fused_into", into),
            Map.entry("unfused", unfused))) {
      double gbps = chainBytes / e.getValue() / 1e9;
      rows.add(
          new Row()
              .put("bench", "elementwise")
              .put("size", n)
              .put("chain", "relu(a*b+c)")
              .put("variant", e.getKey())
              .put("gbps", gbps)
              .put("copy_gbps", copyGbps)
              .put("ratio_to_copy", gbps / copyGbps)
              .put("ms_per_op", e.getValue() * 1e3));
    }
    return rows;
  }

  static void addPeer(List<Row> rows, String peer, Map<String, Object> p) {
    double theirs = (Double) p.get("gbps");
    for (Row r : rows) {
      r.put(peer + "_gbps", theirs)
          .put(peer + "_copy_gbps", p.get("copy_gbps"))
          .put(peer + "_ratio_to_copy", p.get("ratio_to_copy"))
          .put("ratio", (Double) r.get("gbps") / theirs);
    }
  }
}
