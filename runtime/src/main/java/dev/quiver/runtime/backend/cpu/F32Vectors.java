package dev.quiver.runtime.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 vector access the elementwise kernels share ({@link ElementwiseKernels}, {@link
 * UnaryF32}, {@link BinaryF32}): the preferred species, and loads and stores of native memory by
 * element index.
 */
final class F32Vectors {
  static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  static final int L = F.length();
  static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

  private F32Vectors() {}

  static FloatVector load(MemorySegment s, long elem) {
    return FloatVector.fromMemorySegment(F, s, elem << 2, NATIVE);
  }

  static void store(FloatVector v, MemorySegment s, long elem) {
    v.intoMemorySegment(s, elem << 2, NATIVE);
  }

  /** Every lane the float32 at {@code elem}. */
  static FloatVector splat(MemorySegment s, long elem) {
    return FloatVector.broadcast(F, s.getAtIndex(FLOAT, elem));
  }
}
