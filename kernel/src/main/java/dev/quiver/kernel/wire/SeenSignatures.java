package dev.quiver.kernel.wire;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The signatures of every message the kernel accepted, on any channel, for its lifetime: a
 * captured, correctly signed message sent again is refused (as jupyter_client's {@code Session}
 * refuses one whose digest is in its history). A message's header has a fresh id and date, so a
 * client never sends the same signature twice.
 *
 * <p>Each entry keeps 128 of the signature's 256 bits (about 80 bytes of heap): a million messages
 * take 80 MB, far more than a kernel receives.
 */
public final class SeenSignatures {

  private record Key(long high, long low) {}

  private final Set<Key> seen = ConcurrentHashMap.newKeySet();

  /** Records {@code signature} (its hex text); false when it was seen before. */
  boolean firstTime(byte[] signature) {
    return seen.add(new Key(bits(signature, 0), bits(signature, 16)));
  }

  // 16 hex digits from offset, as a long (the signature was checked: they are hex digits).
  private static long bits(byte[] hex, int offset) {
    long v = 0;
    for (int i = offset; i < offset + 16 && i < hex.length; i++) {
      v = v << 4 | Character.digit(hex[i], 16) & 0xF;
    }
    return v;
  }
}
