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

/**
 * Reductions: a full sum of 4M floats, a row sum, and softmax over the rows of a [batch, classes]
 * matrix.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ReduceJmh extends JmhDefaults {
  @Param({"4194304"})
  public long sumSize;

  @Param({"256"})
  public long rows;

  @Param({"1000"})
  public long cols;

  Tensor flat;
  Tensor matrix;

  @Setup
  public void setup() {
    flat = Tensor.randn(new long[] {sumSize}, 1);
    matrix = Tensor.randn(new long[] {rows, cols}, 2);
  }

  @Benchmark
  public double sumAll() {
    try (var s = MemoryScope.open()) {
      return flat.sum().item();
    }
  }

  @Benchmark
  public double sumRows() {
    try (var s = MemoryScope.open()) {
      return matrix.sum(1).get(0);
    }
  }

  @Benchmark
  public double softmaxRows() {
    try (var s = MemoryScope.open()) {
      return matrix.softmax(1).get(0, 0);
    }
  }
}
