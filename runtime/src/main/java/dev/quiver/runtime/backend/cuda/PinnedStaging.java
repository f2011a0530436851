package dev.quiver.runtime.backend.cuda;

import java.lang.foreign.MemorySegment;

/**
 * Page-locked host buffers for large copies between host tensors and the device. Copies from
 * ordinary (pageable) memory are staged by the driver one chunk at a time anyway; here two pinned
 * halves alternate so that copying chunk i between the tensor and a half overlaps the DMA of chunk
 * i-1 from the other half. Small copies go direct: the staging would cost more than it saves;
 * except from and to a tensor on the Java heap (a small one, with {@code
 * -Dquiver.memory.heap=true}), whose bytes the driver cannot be given: those always go through a
 * pinned half.
 */
final class PinnedStaging {
  /** Copies below this go direct. */
  static final long THRESHOLD = 1L << 20;

  private static final long HALF = 4L << 20;

  private final DeviceStream device;
  private MemorySegment[] halves;
  private MemorySegment[] events;

  PinnedStaging(DeviceStream device) {
    this.device = device;
  }

  private void ensure() {
    if (halves == null) {
      var d = device.driver();
      halves = new MemorySegment[] {d.hostAlloc(HALF), d.hostAlloc(HALF)};
      events = new MemorySegment[] {d.eventCreate(), d.eventCreate()};
    }
  }

  /** Host -> device, {@code bytes} from {@code src} at byte 0 to device address {@code dst}. */
  synchronized void toDevice(MemorySegment src, long dst, long bytes) {
    device.makeCurrent();
    var d = device.driver();
    if (bytes < THRESHOLD && src.isNative()) {
      d.copyHostToDevice(dst, src, bytes, device.stream());
      return;
    }
    ensure();
    int chunk = 0;
    for (long pos = 0; pos < bytes; pos += HALF, chunk++) {
      int h = chunk & 1;
      long n = Math.min(HALF, bytes - pos);
      if (chunk >= 2) {
        // The DMA that last read this half (chunk - 2) must be done before we overwrite it.
        device.checkAsync(
            d.eventSynchronize(events[h]), "cuEventSynchronize", "staging a copy to the device");
      }
      MemorySegment.copy(src, pos, halves[h], 0, n);
      d.copyHostToDevice(dst + pos, halves[h], n, device.stream());
      d.eventRecord(events[h], device.stream());
    }
    // The halves are reused by the next copy, which waits on the events as above; nothing to wait
    // for now.
    if (chunk >= 1) {
      device.checkAsync(
          d.eventSynchronize(events[(chunk - 1) & 1]),
          "cuEventSynchronize",
          "staging a copy to the device");
    }
  }

  /** Device -> host, synchronous: when this returns, {@code dst} holds the bytes. */
  synchronized void toHost(long src, MemorySegment dst, long bytes) {
    device.makeCurrent();
    var d = device.driver();
    if (bytes < THRESHOLD && dst.isNative()) {
      d.copyDeviceToHost(dst, src, bytes, device.stream());
      device.synchronize("copying to the host");
      return;
    }
    ensure();
    long chunks = (bytes + HALF - 1) / HALF;
    for (long c = 0; c <= chunks; c++) {
      if (c < chunks) {
        int h = (int) (c & 1);
        long n = Math.min(HALF, bytes - c * HALF);
        d.copyDeviceToHost(halves[h], src + c * HALF, n, device.stream());
        d.eventRecord(events[h], device.stream());
      }
      if (c >= 1) {
        // Copy out chunk c-1 while the DMA of chunk c runs.
        long p = c - 1;
        int h = (int) (p & 1);
        long n = Math.min(HALF, bytes - p * HALF);
        device.checkAsync(
            d.eventSynchronize(events[h]), "cuEventSynchronize", "copying to the host");
        MemorySegment.copy(halves[h], 0, dst, p * HALF, n);
      }
    }
    device.synchronize("copying to the host");
  }
}
