package dev.quiver.runtime.io;

import java.io.IOException;

/**
 * A file that could be read but is not a tensor file Quiver understands: not Arrow IPC, or a column
 * that is not an {@code arrow.fixed_shape_tensor} of a supported element type. The message names
 * the file or column and the values that were wrong. An {@link IOException} so that callers handle
 * bad files where they already handle unreadable ones.
 */
public final class TensorFileException extends IOException {
  public TensorFileException(String message) {
    super(message);
  }

  public TensorFileException(String message, Throwable cause) {
    super(message, cause);
  }
}
