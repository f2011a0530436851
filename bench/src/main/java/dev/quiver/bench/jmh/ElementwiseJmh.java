package dev.quiver.bench.jmh;

import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.memory.MemoryScope;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** relu(a*b + c) on 16M floats, fused and unfused, against a plain copy of 16M floats. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ElementwiseJmh extends JmhDefaults {
  @Param({"16777216"})
  public long size;

  Tensor a;
  Tensor b;
  Tensor c;
  Tensor out;

  @Setup
  public void setup() {
    a = Tensor.randn(new long[] {size}, 1);
    b = Tensor.randn(new long[] {size}, 2);
    c = Tensor.randn(new long[] {size}, 3);
    out = Tensor.zeros(size);
  }

  @Benchmark
  public Tensor copy() {
    return out.copyFrom(a);
  }

  @Benchmark
  public Tensor fusedInto() {
    return a.fused().mul(b).add(c).relu().into(out);
  }

  @Benchmark
  public void fusedAllocating() {
    try (var s = MemoryScope.open()) {
      a.fused().mul(b).add(c).relu().eval();
    }
  }

  @Benchmark
  public void unfused() {
    try (var s = MemoryScope.open()) {
      a.mul(b).add(c).relu();
    }
  }
}
