package dev.quiver.runtime.memory;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import org.apache.arrow.memory.AllocationManager;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.ReferenceManager;

/**
 * An Arrow allocation manager whose memory comes from the C library's {@code aligned_alloc} and
 * {@code free}, called through {@code java.lang.foreign}.
 *
 * <p>Why not an {@code Arena} per buffer: a shared arena's {@code close} costs a thread handshake
 * (tens of microseconds), and a confined one cannot be freed from the cleaner thread. A direct
 * downcall costs tens of nanoseconds, is freed deterministically, and its address is all the
 * Vector API and a future CUDA backend need. Buffers are 64-byte aligned so vector loads never
 * straddle cache lines at the start of a tensor.
 */
public final class NativeAllocationManager extends AllocationManager {
  static final long ALIGNMENT = 64;

  private static final MethodHandle ALIGNED_ALLOC;
  private static final MethodHandle FREE;

  static {
    Linker linker = Linker.nativeLinker();
    var libc = linker.defaultLookup();
    ALIGNED_ALLOC = linker.downcallHandle(
        libc.find("aligned_alloc").orElseThrow(() -> new ExceptionInInitializerError("libc has no aligned_alloc")),
        FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    FREE = linker.downcallHandle(
        libc.find("free").orElseThrow(() -> new ExceptionInInitializerError("libc has no free")),
        FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
  }

  public static final Factory FACTORY = new Factory() {
    private final ArrowBuf empty = new ArrowBuf(ReferenceManager.NO_OP, null, 0, 0);

    @Override
    public AllocationManager create(BufferAllocator accountingAllocator, long size) {
      return new NativeAllocationManager(accountingAllocator, size);
    }

    @Override
    public ArrowBuf empty() {
      return empty;
    }
  };

  private final long address;
  private final long size;

  private NativeAllocationManager(BufferAllocator accountingAllocator, long requestedSize) {
    super(accountingAllocator);
    // aligned_alloc wants a size that is a multiple of the alignment; never ask for zero bytes.
    long rounded = Math.max(ALIGNMENT, (requestedSize + ALIGNMENT - 1) & -ALIGNMENT);
    this.address = allocate(rounded);
    this.size = requestedSize;
  }

  private static long allocate(long bytes) {
    MemorySegment p;
    try {
      p = (MemorySegment) ALIGNED_ALLOC.invokeExact(ALIGNMENT, bytes);
    } catch (Throwable t) {
      throw new IllegalStateException("aligned_alloc failed for " + bytes + " bytes", t);
    }
    if (p.address() == 0) {
      throw new OutOfMemoryError("could not allocate " + bytes + " bytes of native tensor memory ("
          + Memory.bytesInUse() + " bytes in use by tensors)");
    }
    return p.address();
  }

  @Override
  public long getSize() {
    return size;
  }

  @Override
  protected long memoryAddress() {
    return address;
  }

  @Override
  protected void release0() {
    try {
      FREE.invokeExact(MemorySegment.ofAddress(address));
    } catch (Throwable t) {
      throw new IllegalStateException("free failed", t);
    }
  }
}
