package dev.quiver.bench;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.backend.View;
import dev.quiver.runtime.backend.cpu.Parallel;
import dev.quiver.runtime.backend.cuda.Cuda;
import dev.quiver.runtime.backend.cuda.CudaBackend;
import dev.quiver.runtime.memory.MemoryScope;
import java.util.List;

/** fp32 GFLOP/s of {@code a.matmul(b)} for square N×N operands (2·N³ flops per product). */
final class MatmulBench {
  private MatmulBench() {}

  static List<Row> run(Options o) throws Exception {
    int n = Math.toIntExact(o.size());
    if (o.device().kind() == Device.Kind.CUDA) {
      return runCuda(o, n);
    }
    Tensor a = Tensor.randn(new long[] {n, n}, 1);
    Tensor b = Tensor.randn(new long[] {n, n}, 2);
    double seconds =
        Timing.adaptive(
            () -> {
              // The product is freed at once: a 1024² result is 4 MB, and a loop should not lean on
              // the GC.
              try (var scope = MemoryScope.open()) {
                a.matmul(b);
              }
            },
            o.repeats());
    double gflops = 2.0 * n * n * (double) n / seconds / 1e9;
    Row row =
        new Row()
            .put("bench", "matmul")
            .put("size", n)
            .put("dtype", "float32")
            .put("threads", Parallel.threads())
            .put("gflops", gflops)
            .put("ms_per_op", seconds * 1e3);
    return List.of(row);
  }

  /**
   * The same product on a GPU, through the backend with a preallocated output: at the target size
   * (8192) one product is tens of milliseconds, against microseconds for the allocation it saves,
   * so this is the sgemm itself. Each call waits for the GPU, as the torch peer does with
   * torch.cuda.synchronize(), so queued work is never counted as done.
   */
  private static List<Row> runCuda(Options o, int n) throws Exception {
    CudaBackend g = Cuda.cudaBackend(o.device().index());
    View a = g.fromHost(Tensor.randn(new long[] {n, n}, 1).view());
    View b = g.fromHost(Tensor.randn(new long[] {n, n}, 2).view());
    View out =
        View.contiguous(g.allocate((long) n * n * 4, null), DType.FLOAT32, new long[] {n, n});
    double seconds =
        Timing.adaptive(
            () -> {
              g.matmul(a, b, out);
              g.synchronize();
            },
            o.repeats());
    double gflops = 2.0 * n * n * (double) n / seconds / 1e9;
    Row row =
        new Row()
            .put("bench", "matmul")
            .put("size", n)
            .put("dtype", "float32")
            .put("device", o.device().toString())
            .put("gpu", g.describe())
            .put("gflops", gflops)
            .put("ms_per_op", seconds * 1e3);
    return List.of(row);
  }

  static void addPeer(List<Row> rows, String peer, java.util.Map<String, Object> p) {
    for (Row r : rows) {
      double theirs = (Double) p.get("gflops");
      r.put(peer + "_gflops", theirs).put("ratio", (Double) r.get("gflops") / theirs);
      // Which BLAS the peer really ran on: Debian's numpy is slow on the reference BLAS.
      if (p.get("blas") != null) {
        r.put(peer + "_blas", p.get("blas"));
      }
      if (p.get("device") != null) {
        r.put(peer + "_device", p.get("device"));
      }
    }
  }
}
