package dev.quiver.kernel.jshell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A cell's exception in the user's terms: JShell's names taken out, repeated frames folded. */
class TraceTextTest {

  @Test
  void helpfulNullPointerMessagesNameTheUsersVariablesAndClasses() {
    assertEquals(
        "Cannot invoke \"String.length()\" because \"s\" is null",
        TraceText.userNames(
            "Cannot invoke \"String.length()\" because \"REPL.$JShell$12.s\" is null"));
    assertEquals(
        "Cannot invoke \"String.length()\" because the return value of \"s()\" is null",
        TraceText.userNames(
            "Cannot invoke \"String.length()\" because the return value of \"REPL.$JShell$9B.s()\""
                + " is null"));
    assertEquals(
        "class Foo cannot be cast to class java.lang.String",
        TraceText.userNames("class REPL.$JShell$7$Foo cannot be cast to class java.lang.String"));
    assertEquals("Foo.Inner", TraceText.userNames("REPL.$JShell$7$Foo.Inner"));
    assertEquals("x", TraceText.userNames("REPL.$Quiver$3.x"));
    assertEquals("no names here: $JShell", TraceText.userNames("no names here: $JShell"));
    assertEquals(null, TraceText.userNames(null));
  }

  @Test
  void aRunOfOneFrameShowsOnceWithItsCount() {
    var lines = new ArrayList<>(Collections.nCopies(1_024, "\tat f (cell [2], line 1)"));
    assertEquals(
        List.of("\tat f (cell [2], line 1)", "\t[the line above repeated 1,023 more times]"),
        TraceText.fold(lines));
  }

  @Test
  void aCycleOfFramesShowsOnceWithItsCountAndWhatIsAroundItStays() {
    var lines = new ArrayList<String>();
    lines.add("\tat java.lang.Integer.parseInt");
    for (int i = 0; i < 10; i++) {
      lines.add("\tat g");
      lines.add("\tat h");
    }
    lines.add("\tat g");
    lines.add("\tat cell [3], line 1");
    assertEquals(
        List.of(
            "\tat java.lang.Integer.parseInt",
            "\tat g",
            "\tat h",
            "\t[the 2 lines above repeated 9 more times]",
            "\tat g",
            "\tat cell [3], line 1"),
        TraceText.fold(lines));
  }

  @Test
  void fewRepeatsStayAsTheyAre() {
    var lines = List.of("\tat a", "\tat a", "\tat b", "\tat c", "\tat b", "\tat c");
    assertEquals(lines, TraceText.fold(lines));
  }

  @Test
  void theKernelsMachineryIsInternalTheUsersAndLibrariesCodeIsNot() {
    assertTrue(
        TraceText.internal(new StackTraceElement("jdk.jshell.execution.Util", "m", null, 1)));
    assertTrue(
        TraceText.internal(new StackTraceElement("dev.quiver.agent.Agent", "invoke", null, 1)));
    assertFalse(TraceText.internal(new StackTraceElement("dev.quiver.dsl.Fit", "run", null, 1)));
    assertFalse(TraceText.internal(new StackTraceElement("java.util.ArrayList", "get", null, 1)));
  }
}
