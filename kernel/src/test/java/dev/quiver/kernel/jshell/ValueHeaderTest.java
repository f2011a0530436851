package dev.quiver.kernel.jshell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.quiver.agent.Agent;
import dev.quiver.display.Markdown;
import dev.quiver.display.MimeBundle;
import dev.quiver.display.Renderers;
import java.util.List;
import jdk.jshell.spi.ExecutionControl.InternalException;
import org.junit.jupiter.api.Test;

/** What the agent sends with a cell's value, and what the kernel makes of it. */
class ValueHeaderTest {

  private static RemoteControl.Unpacked roundTrip(Object value) throws InternalException {
    return RemoteControl.unpack(Agent.packValue(value));
  }

  @Test
  void plainValuesComeWithTheirTextAndJShellKeepsItsValueString() throws Exception {
    assertEquals(new RemoteControl.Unpacked("2", "2"), roundTrip(2));
    assertEquals(new RemoteControl.Unpacked("[1, 2]", "[1, 2]"), roundTrip(List.of(1, 2)));
    // JShell quotes strings and writes arrays its own way; the cell's output is the plain text.
    assertEquals(new RemoteControl.Unpacked("\"a:b\\n\"", "a:b\n"), roundTrip("a:b\n"));
    assertEquals(
        new RemoteControl.Unpacked("int[2] { 1, 2 }", "[1, 2]"), roundTrip(new int[] {1, 2}));
    assertEquals(new RemoteControl.Unpacked("'x'", "x"), roundTrip('x'));
    assertEquals(new RemoteControl.Unpacked("null", "null"), roundTrip(null));
    // Text that looks like a header is still just text.
    assertEquals(new RemoteControl.Unpacked("\"\\000s7:\"", "\u0000s7:"), roundTrip("\u0000s7:"));
  }

  @Test
  void aQuickCellWithNothingToShowSaysSo() throws Exception {
    assertEquals(
        new RemoteControl.Unpacked(null, null), roundTrip(dev.quiver.agent.CellCall.NO_VALUE));
    // What printf returns (so calls can chain) is not shown; a quick cell passes values through
    // CellCall.shown.
    assertEquals(dev.quiver.agent.CellCall.NO_VALUE, dev.quiver.agent.CellCall.shown(System.out));
    assertEquals(3, dev.quiver.agent.CellCall.shown(3));
  }

  @Test
  void richValuesWaitToBeAskedForTheirRendering() throws Exception {
    var md = new Markdown("**b**");
    assertNull(roundTrip(md).plainText());
    assertNull(roundTrip(MimeBundle.text("t")).plainText());
    record Point(int x) {}
    Renderers.register(Point.class, p -> MimeBundle.text("P" + p.x()));
    try {
      var u = roundTrip(new Point(3));
      assertEquals("Point[x=3]", u.valueString());
      assertNull(u.plainText());
    } finally {
      Renderers.unregister(Point.class);
    }
  }

  @Test
  void longValuesAreAskedForWholeRatherThanCutByJShellsForwarder() throws Exception {
    // 3000 doubles print as about 60 000 characters, beyond what JShell passes on in one answer.
    var xs = new double[3000];
    java.util.Arrays.setAll(xs, i -> i / 7.0);
    var packed = Agent.packValue(xs);
    assertEquals(Agent.RICH, packed.substring(0, 2));
    assertNull(RemoteControl.unpack(packed).plainText());
    var longText = "x".repeat(Agent.MAX_ANSWER);
    assertNull(roundTrip(longText).plainText());
    assertNull(roundTrip(new StringBuilder(longText)).plainText());
    // Just under the limit still comes along with the answer.
    var fits = "y".repeat(Agent.MAX_ANSWER / 3);
    assertEquals(fits, roundTrip(fits).plainText());
  }

  @Test
  void anAnswerWithoutAHeaderIsAnError() {
    var e = assertThrows(InternalException.class, () -> RemoteControl.unpack("2"));
    assertEquals("the cell JVM's agent answered an unexpected value: 2", e.getMessage());
  }
}
