package dev.quiver.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The cell JVM's output pump: text past the kernel's limit is counted, not sent, with every byte
 * either sent or counted and no character cut in two.
 */
class OutputPumpTest {

  private static final class Wire extends OutputStream {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public synchronized void write(int b) {
      bytes.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      bytes.write(b, off, len);
    }

    synchronized byte[] sent() {
      return bytes.toByteArray();
    }
  }

  @Test
  void textPastTheLimitIsCountedNotSentAndTheFirstLimitPlusOneBytesAre() {
    var pump = new OutputPump(1_000);
    var wire = new Wire();
    var out = new PrintStream(pump.stream(wire, false), true, StandardCharsets.UTF_8);
    pump.pieceBegins();
    var line = "x".repeat(99);
    for (int i = 0; i < 10_000; i++) {
      out.println(line);
    }
    var cut = pump.pieceEnds();
    assertTrue(pump.awaitWritten(10_000));
    // One byte past the limit is sent, so that the kernel knows it was passed and cuts there.
    assertEquals(1_001, wire.sent().length);
    assertEquals(new DisplayMessage.Cut(1_000_000 - 1_001, 10_000 - 10), cut);
    assertNull(pump.pieceEnds()); // told once
    // Between pieces (a thread the cell left printing), the kernel counts what it gets.
    out.print("after");
    assertTrue(pump.awaitWritten(10_000));
    assertEquals(1_006, wire.sent().length);
  }

  @Test
  void outAndErrShareTheLimitAndAClearStartsItAfresh() {
    var pump = new OutputPump(100);
    var outWire = new Wire();
    var errWire = new Wire();
    var out = pump.stream(outWire, false);
    var err = pump.stream(errWire, false);
    pump.pieceBegins();
    write(out, "a".repeat(60));
    write(err, "b".repeat(60));
    pump.cleared();
    write(out, "c".repeat(150));
    var cut = pump.pieceEnds();
    assertTrue(pump.awaitWritten(10_000));
    assertEquals(60 + 101, outWire.sent().length);
    assertEquals(41, errWire.sent().length);
    assertEquals(new DisplayMessage.Cut(19 + 49, 0), cut);
  }

  @Test
  void noCharacterIsCutInTwoAndEveryByteIsSentOrCounted() {
    var random = new Random(17);
    for (int trial = 0; trial < 200; trial++) {
      long limit = random.nextInt(300);
      var pump = new OutputPump(limit);
      var wire = new Wire();
      var stream = pump.stream(wire, false);
      pump.pieceBegins();
      var text = new StringBuilder();
      for (int i = 0; i < 200; i++) {
        text.append(
            switch (random.nextInt(5)) {
              case 0 -> "a";
              case 1 -> "\u00e9"; // 2 bytes
              case 2 -> "\u20ac"; // 3 bytes
              case 3 -> "\ud83d\ude00"; // 4 bytes
              default -> "\n";
            });
      }
      var bytes = text.toString().getBytes(StandardCharsets.UTF_8);
      // In writes of random lengths, splitting characters between writes.
      for (int at = 0; at < bytes.length; ) {
        int n = Math.min(bytes.length - at, 1 + random.nextInt(7));
        writeBytes(stream, bytes, at, n);
        at += n;
      }
      var cut = pump.pieceEnds();
      assertTrue(pump.awaitWritten(10_000));
      var sent = wire.sent();
      var decoded = new String(sent, StandardCharsets.UTF_8);
      assertTrue(text.toString().startsWith(decoded), "trial " + trial + ": " + decoded);
      assertTrue(sent.length >= Math.min(limit + 1, bytes.length), "trial " + trial);
      assertTrue(sent.length <= limit + 4, "trial " + trial);
      long cutBytes = cut == null ? 0 : cut.bytes();
      long cutLines = cut == null ? 0 : cut.lines();
      assertEquals(bytes.length, sent.length + cutBytes, "trial " + trial);
      long lines = text.chars().filter(c -> c == '\n').count();
      assertEquals(lines, decoded.chars().filter(c -> c == '\n').count() + cutLines);
    }
  }

  @Test
  void displaysAreNeverCut() {
    var pump = new OutputPump(10);
    var wire = new Wire();
    var display = pump.stream(wire, true);
    pump.pieceBegins();
    write(display, "d".repeat(1_000));
    assertNull(pump.pieceEnds());
    assertTrue(pump.awaitWritten(10_000));
    assertEquals(1_000, wire.sent().length);
  }

  private static void write(OutputStream s, String text) {
    var b = text.getBytes(StandardCharsets.UTF_8);
    writeBytes(s, b, 0, b.length);
  }

  private static void writeBytes(OutputStream s, byte[] b, int off, int len) {
    try {
      s.write(b, off, len);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
