package dev.quiver.runtime.backend.cuda;

import dev.quiver.runtime.Device;
import dev.quiver.runtime.backend.cuda.ffi.Driver;
import java.lang.foreign.MemorySegment;

/**
 * What the allocator and the staging buffers need of a GPU: its driver, its one stream, making its
 * context current on the calling thread, and waiting for the stream with errors reported as {@link
 * CudaDevice} reports them. {@link CudaDevice} is the one implementation; the interface lets those
 * two parts of it be built before it and know nothing of kernels, modules or cuBLAS.
 */
interface DeviceStream {
  /** The device's name, for messages. */
  Device device();

  Driver driver();

  /** The stream every op of the device is queued on. */
  MemorySegment stream();

  /** Makes the device's context current on the calling thread (cheap when it already is). */
  void makeCurrent();

  /** Waits for everything queued on the stream; a failure of earlier work surfaces here. */
  void synchronize(String why);

  /**
   * Throws, naming {@code call} and {@code why}, when {@code rc} (of a wait on the stream) is an
   * error.
   */
  void checkAsync(int rc, String call, String why);
}
