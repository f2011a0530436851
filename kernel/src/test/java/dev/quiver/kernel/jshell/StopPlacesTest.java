package dev.quiver.kernel.jshell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopPlacesTest {

  private static final String AGENT = "dev.quiver.agent.Agent";

  @Test
  void insideTheOutputPathAJdiStopIsNeverSent() {
    assertEquals(
        StopPlaces.Place.OUTPUT,
        StopPlaces.classify(
            List.of(
                "java.lang.Object",
                "dev.quiver.agent.OutputPump",
                "dev.quiver.agent.OutputPump$1",
                "java.io.PrintStream",
                "REPL.$JShell$12",
                AGENT)));
  }

  @Test
  void insideTheJdksStreamCodeItWaitsAWhile() {
    assertEquals(
        StopPlaces.Place.JDK_STATE,
        StopPlaces.classify(
            List.of("sun.nio.cs.UTF_8$Encoder", "java.io.PrintStream", "REPL.$JShell$12", AGENT)));
  }

  @Test
  void userCodeAndFramesBelowTheAgentAreElsewhere() {
    assertEquals(
        StopPlaces.Place.ELSEWHERE,
        StopPlaces.classify(
            List.of(
                "REPL.$JShell$12",
                AGENT,
                "jdk.jshell.execution.Util", // JShell's command loop, below the cell
                "java.io.ObjectInputStream")));
    // JDK code called from user code, not on top: a lock or stream further down is not touched.
    assertEquals(
        StopPlaces.Place.ELSEWHERE,
        StopPlaces.classify(
            List.of("java.lang.Math", "REPL.$JShell$12", "java.io.PrintStream", AGENT)));
  }
}
