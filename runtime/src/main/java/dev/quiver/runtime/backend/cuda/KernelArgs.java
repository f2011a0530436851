package dev.quiver.runtime.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The {@code void* kernelParams[]} of one launch: each argument's value in a per-thread buffer, and
 * an array of pointers to them. cuLaunchKernel copies the values when it is called, so the buffer
 * is reused by the next launch on the same thread; no Arena per launch on the hot path.
 */
final class KernelArgs {
  private static final int VALUE_BYTES = 8 << 10;
  private static final int MAX_ARGS = 32;
  private static final ThreadLocal<KernelArgs> PER_THREAD =
      ThreadLocal.withInitial(KernelArgs::new);

  private final MemorySegment values = Arena.ofAuto().allocate(VALUE_BYTES, 16);
  private final MemorySegment pointers = Arena.ofAuto().allocate(8L * MAX_ARGS, 8);
  private long used;
  private int count;

  /** The calling thread's argument list, emptied. */
  static KernelArgs begin() {
    KernelArgs a = PER_THREAD.get();
    a.used = 0;
    a.count = 0;
    return a;
  }

  private MemorySegment slot(long bytes, long align) {
    if (count == MAX_ARGS) {
      throw new IllegalStateException("more than " + MAX_ARGS + " kernel arguments");
    }
    used = (used + align - 1) & -align;
    MemorySegment s = values.asSlice(used, bytes);
    pointers.setAtIndex(ValueLayout.ADDRESS, count++, s);
    used += bytes;
    return s;
  }

  KernelArgs i32(int v) {
    slot(4, 4).set(ValueLayout.JAVA_INT, 0, v);
    return this;
  }

  KernelArgs i64(long v) {
    slot(8, 8).set(ValueLayout.JAVA_LONG, 0, v);
    return this;
  }

  KernelArgs f64(double v) {
    slot(8, 8).set(ValueLayout.JAVA_DOUBLE, 0, v);
    return this;
  }

  /** A device pointer. */
  KernelArgs ptr(long devicePointer) {
    return i64(devicePointer);
  }

  KernelArgs layout(StridedLayout l) {
    l.encode(slot(StridedLayout.byteSize(l.operands()), 8));
    return this;
  }

  /** A struct of ints by value (a convolution's or a pooling's geometry). */
  KernelArgs ints(int... values) {
    MemorySegment s = slot(4L * values.length, 4);
    for (int i = 0; i < values.length; i++) {
      s.setAtIndex(ValueLayout.JAVA_INT, i, values[i]);
    }
    return this;
  }

  /**
   * A struct of floats by value (a fused program's constants), {@code count} slots of which {@code
   * values} fill the first.
   */
  KernelArgs floats(float[] values, int count) {
    MemorySegment s = slot(4L * count, 4);
    for (int i = 0; i < count; i++) {
      s.setAtIndex(ValueLayout.JAVA_FLOAT, i, i < values.length ? values[i] : 0f);
    }
    return this;
  }

  MemorySegment pointers() {
    return pointers;
  }
}
