package dev.quiver.runtime.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a file all at once: the new content goes to a temporary file beside the target, is
 * forced to disk, and is then renamed over the target. A crash or an exception part way leaves
 * either the old file or the new one, never a torn mix, and never deletes a good old file.
 */
final class AtomicFile {
  @FunctionalInterface
  interface Content {
    void writeTo(WritableByteChannel out) throws IOException;
  }

  private AtomicFile() {}

  static void write(Path target, Content content) throws IOException {
    Path file = target.toAbsolutePath();
    if (Files.isSymbolicLink(file) && Files.exists(file)) {
      file = file.toRealPath(); // replace what the link points at, keep the link
    }
    if (Files.isDirectory(file)) {
      throw new IOException(target + " is a directory");
    }
    Path dir = file.getParent();
    // Same directory, so the rename stays on one file system and is atomic; hidden, so a
    // directory listing during the write does not show it as a tensor file.
    Path temp =
        dir.resolve(
            "."
                + file.getFileName()
                + "."
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong())
                + ".tmp");
    boolean moved = false;
    try {
      try (var out =
          FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        content.writeTo(out);
        out.force(true);
      }
      keepPermissions(file, temp);
      try {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      moved = true;
      syncDirectory(dir);
    } finally {
      if (!moved) {
        deleteQuietly(temp);
      }
    }
  }

  /** A replaced file keeps its mode, as it would had it been overwritten in place. */
  private static void keepPermissions(Path old, Path temp) {
    try {
      if (Files.exists(old)) {
        Files.setPosixFilePermissions(temp, Files.getPosixFilePermissions(old));
      }
    } catch (UnsupportedOperationException | IOException e) {
      // not POSIX, or not ours to read: the temp file's default mode is acceptable
    }
  }

  /**
   * Makes the rename itself durable where the platform allows fsync on a directory (Linux does).
   */
  private static void syncDirectory(Path dir) {
    try (var d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // best effort: the data is already on disk and the rename is atomic either way
    }
  }

  private static void deleteQuietly(Path temp) {
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      // the original failure is what the caller needs to see; a stray hidden temp file is harmless
    }
  }
}
