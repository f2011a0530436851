package dev.quiver.runtime.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {
  @TempDir Path dir;

  @Test
  void failureHalfwayLeavesTheOldFileAndNoTemporary() throws IOException {
    Path file = dir.resolve("a.bin");
    Files.writeString(file, "old and good");
    var boom = new IOException("disk full");
    var thrown =
        assertThrows(
            IOException.class,
            () ->
                AtomicFile.write(
                    file,
                    out -> {
                      out.write(
                          ByteBuffer.wrap("half of the new".getBytes(StandardCharsets.UTF_8)));
                      throw boom;
                    }));
    assertSame(boom, thrown);
    assertEquals("old and good", Files.readString(file));
    assertEquals(List.of(file), TestFiles.list(dir));
  }

  @Test
  void failureWithoutAnOldFileCreatesNothing() {
    Path file = dir.resolve("new.bin");
    assertThrows(
        IllegalStateException.class,
        () ->
            AtomicFile.write(
                file,
                out -> {
                  throw new IllegalStateException("no");
                }));
    assertFalse(Files.exists(file));
  }

  @Test
  void successReplacesAndKeepsPermissions() throws IOException {
    Path file = dir.resolve("p.bin");
    Files.writeString(file, "old");
    var mode = PosixFilePermissions.fromString("rw-r-----");
    Files.setPosixFilePermissions(file, mode);
    AtomicFile.write(file, out -> out.write(ByteBuffer.wrap(new byte[] {1, 2, 3})));
    assertEquals(3, Files.size(file));
    assertEquals(mode, Files.getPosixFilePermissions(file));
    assertEquals(List.of(file), TestFiles.list(dir));
  }

  @Test
  void symlinkKeepsPointingAtTheReplacedFile() throws IOException {
    Path real = dir.resolve("real.bin");
    Files.writeString(real, "old");
    Path link = Files.createSymbolicLink(dir.resolve("link.bin"), real.getFileName());
    AtomicFile.write(
        link, out -> out.write(ByteBuffer.wrap("new".getBytes(StandardCharsets.UTF_8))));
    assertEquals("new", Files.readString(real));
    assertEquals(real.getFileName(), Files.readSymbolicLink(link));
  }

  @Test
  void directoryTargetIsRefused() throws IOException {
    Path sub = Files.createDirectory(dir.resolve("sub"));
    var e = assertThrows(IOException.class, () -> AtomicFile.write(sub, out -> {}));
    assertEquals(sub + " is a directory", e.getMessage());
  }
}
