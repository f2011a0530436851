package dev.quiver.bench.jmh;

import dev.quiver.runtime.backend.cpu.Sgemm;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Square fp32 matrix multiply, C = A·B, on native memory. Reports products per second; GFLOP/s is
 * {@code ops/s × 2·size³ / 1e9}. Compare with numpy/OpenBLAS on the same machine (the scripts in
 * this module), as absolute numbers depend on the CPU.
 *
 * <p>{@code transposedB} runs the layout of a dense layer's {@code x·Wᵀ}, where B is read through
 * strides and packing has to transpose it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class SgemmBenchmark {

  @Param({"64", "256", "1024"})
  public int size;

  private Arena arena;
  private MemorySegment a;
  private MemorySegment b;
  private MemorySegment c;

  @Setup(Level.Trial)
  public void setUp() {
    arena = Arena.ofShared();
    long count = (long) size * size;
    a = arena.allocate(count * Float.BYTES, 64);
    b = arena.allocate(count * Float.BYTES, 64);
    c = arena.allocate(count * Float.BYTES, 64);
    var rnd = new SplittableRandom(42);
    for (long i = 0; i < count; i++) {
      a.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextDouble(-1, 1));
      b.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextDouble(-1, 1));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    arena.close();
  }

  @Benchmark
  public MemorySegment rowMajor() {
    Sgemm.sgemm(size, size, size, a, 0, size, 1, b, 0, size, 1, c, 0, size, false);
    return c;
  }

  @Benchmark
  public MemorySegment transposedB() {
    Sgemm.sgemm(size, size, size, a, 0, size, 1, b, 0, 1, size, c, 0, size, false);
    return c;
  }
}
