package dev.quiver.kernel.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.display.MimeBundle;
import dev.quiver.kernel.wire.Message;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CellOutputTest {

  record Sent(String type, ObjectNode content) {}

  static final class Recording implements Transport {
    final List<Sent> sent = new ArrayList<>();

    @Override
    public synchronized void publish(Message parent, String type, ObjectNode content) {
      sent.add(new Sent(type, content));
    }

    @Override
    public String input(Message parent, String prompt, boolean password) {
      return null;
    }

    @Override
    public void drain(long millis) {}

    @Override
    public void exit() {}

    synchronized String text(String name) {
      var b = new StringBuilder();
      for (var s : sent) {
        if (s.type.equals("stream") && s.content.path("name").asText().equals(name)) {
          b.append(s.content.path("text").asText());
        }
      }
      return b.toString();
    }
  }

  private static final Message PARENT =
      new Message(
          List.of(),
          Message.object(),
          Message.object(),
          Message.object(),
          Message.object(),
          List.of());

  @Test
  void linesPrintedOneAtATimeLeaveInFewMessages() {
    var t = new Recording();
    var out = new CellOutput(t, PARENT, false, false, 10_000_000);
    for (int i = 0; i < 10_000; i++) {
      out.stream("stdout", i + "\n");
    }
    out.finish();
    assertTrue(t.sent.size() < 10, t.sent.size() + " messages");
    assertEquals(48_890, t.text("stdout").length());
    assertNull(out.notice());
  }

  @Test
  void outputOverTheLimitIsCutAtALineWithANoticeOfHowMuch() {
    var t = new Recording();
    var out = new CellOutput(t, PARENT, false, false, 1000);
    for (int i = 0; i < 100; i++) {
      out.stream("stdout", "x".repeat(99) + "\n");
    }
    out.finish();
    assertEquals(1000, t.text("stdout").length()); // ten whole lines
    assertEquals(
        "[quiver: output cut: 9.0 KB (90 lines) of this cell's output not shown: a cell shows at"
            + " most 1.0 KB (the kernel's -Dquiver.output.limit=BYTES sets it)]\n",
        t.text("stderr"));
  }

  @Test
  void afterAnInterruptLittleMoreIsShownAndTheRestCounted() {
    var t = new Recording();
    var out = new CellOutput(t, PARENT, false, false, 10_000_000);
    out.stream("stdout", "before\n");
    out.interrupted();
    for (int i = 0; i < 1000; i++) {
      out.stream("stdout", "y".repeat(999) + "\n");
    }
    out.finish();
    assertTrue(t.text("stdout").length() <= 64_000 + 7);
    assertTrue(
        t.text("stderr")
            .endsWith(
                "of this cell's output not shown: the cell was interrupted"
                    + " while it printed]\n"),
        t.text("stderr"));
  }

  @Test
  void aCutInALongLineThatArrivesInPiecesLeavesTheLastLineShownWhole() {
    var t = new Recording();
    var out = new CellOutput(t, PARENT, false, false, 10_000_000);
    out.interrupted();
    // Lines of 700 bytes (the 64 KB shown after an interrupt end in the 92nd) in the pieces of
    // 127 bytes that JShell's socket delivers.
    var lines = ("z".repeat(699) + "\n").repeat(200);
    for (int at = 0; at < lines.length(); at += 127) {
      out.stream("stdout", lines.substring(at, Math.min(lines.length(), at + 127)));
    }
    out.finish();
    var shown = t.text("stdout");
    assertEquals(("z".repeat(699) + "\n").repeat(91), shown);
    assertEquals(
        "[quiver: output cut: 76.3 KB (109 lines) of this cell's output not shown: the cell was"
            + " interrupted while it printed]\n",
        t.text("stderr"));
  }

  @Test
  void displaysCountAndAHugeResultIsCutToItsText() {
    var t = new Recording();
    var out = new CellOutput(t, PARENT, false, false, 1000);
    out.display(MimeBundle.text("a".repeat(600)), null, false);
    out.display(MimeBundle.text("b".repeat(600)), null, false);
    var result =
        out.result(MimeBundle.of("c".repeat(900), MimeBundle.TEXT_HTML, "<p>" + "c".repeat(900)));
    out.finish();
    assertEquals(1, t.sent.stream().filter(s -> s.type.equals("display_data")).count());
    assertTrue(t.text("stderr").contains("600 bytes (1 display) of this cell"), t.text("stderr"));
    var text = result.path("data").path("text/plain").asText();
    assertTrue(
        text.startsWith(
            "c".repeat(900)
                + "\n[quiver: result cut: its rendering (text/plain, text/html) is 1.8 KB"),
        text);
    assertEquals(1, result.path("data").size());
  }

  @Test
  void limitsParse() {
    assertEquals(10_000_000, OutputLimit.parse("10m"));
    assertEquals(2_000, OutputLimit.parse(" 2K "));
    var bad =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> OutputLimit.parse("lots"));
    assertTrue(bad.getMessage().contains("-Dquiver.output.limit=lots"));
  }
}
