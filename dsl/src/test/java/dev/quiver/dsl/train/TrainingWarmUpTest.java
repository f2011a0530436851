package dev.quiver.dsl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quiver.display.Display;
import dev.quiver.display.DisplaySink;
import dev.quiver.display.MimeBundle;
import dev.quiver.runtime.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The cell JVM's background warm-up leaves nothing a user could see: the global generator of {@code
 * Tensor.manualSeed} draws the same numbers after it as without it, and it neither prints nor
 * displays anything. It runs on a thread of its own, as in the cell JVM.
 */
class TrainingWarmUpTest {

  @Test
  void leavesTheGlobalGeneratorTheStreamsAndTheDisplayAlone() throws InterruptedException {
    Tensor.manualSeed(1234);
    float[] without = Tensor.rand(8).toFloatArray();

    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    List<String> shown = new ArrayList<>();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    Tensor.manualSeed(1234);
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      Display.setSink(
          new DisplaySink() {
            public void display(MimeBundle b, String id) {
              shown.add("display " + id);
            }

            public void update(MimeBundle b, String id) {
              shown.add("update " + id);
            }

            public void clear(boolean wait) {
              shown.add("clear");
            }
          });
      var warmUp =
          Thread.ofPlatform().name("quiver-warm-up").start(() -> TrainingWarmUp.run(1, () -> {}));
      warmUp.join();
    } finally {
      Display.resetSink();
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    float[] after = Tensor.rand(8).toFloatArray();

    assertArrayEquals(without, after, "the warm-up drew from the global generator");
    assertEquals("", out.toString(StandardCharsets.UTF_8), "the warm-up printed to stdout");
    assertEquals("", err.toString(StandardCharsets.UTF_8), "the warm-up printed to stderr");
    assertEquals(List.of(), shown, "the warm-up displayed something");
  }
}
