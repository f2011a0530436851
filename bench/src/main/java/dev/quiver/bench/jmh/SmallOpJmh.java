package dev.quiver.bench.jmh;

import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.memory.MemoryScope;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Per-op cost of a small {@code add}: allocation, dispatch and kernel, results freed per batch by a
 * scope or by the GC.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SmallOpJmh extends JmhDefaults {
  static final int BATCH = 1000;

  @Param({"1000"})
  public int size;

  Tensor a;
  Tensor b;
  Tensor out;

  @Setup
  public void setup() {
    a = Tensor.randn(new long[] {size}, 1);
    b = Tensor.randn(new long[] {size}, 2);
    out = Tensor.zeros(size);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void addInScope(Blackhole bh) {
    try (var scope = MemoryScope.open()) {
      for (int i = 0; i < BATCH; i++) {
        bh.consume(a.add(b));
      }
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void addGcManaged(Blackhole bh) {
    for (int i = 0; i < BATCH; i++) {
      bh.consume(a.add(b));
    }
  }

  /**
   * No allocation, but a fused expression is compiled per call: its fixed cost on a small tensor.
   */
  @Benchmark
  public Tensor fusedAddIntoPreallocated() {
    return a.fused().add(b).into(out);
  }
}
