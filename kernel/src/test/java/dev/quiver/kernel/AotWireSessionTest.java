package dev.quiver.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.display.MimeBundle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class AotWireSessionTest {

  /** Records what reached it; answers every cell with its text, "fail" with an error. */
  private static final class Recording implements Interpreter {
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());

    @Override
    public Outcome execute(String code, int executionCount, Output out) {
      calls.add("execute " + code);
      out.stream("stdout", code + "\n");
      return code.equals("fail")
          ? new Outcome.Error("Oops", "it failed", List.of("trace"))
          : new Outcome.Ok(MimeBundle.text(code));
    }

    @Override
    public Completion complete(String code, int cursor) {
      calls.add("complete " + code);
      return new Completion(List.of(), cursor, cursor);
    }

    @Override
    public Inspection inspect(String code, int cursor, int detailLevel) {
      calls.add("inspect " + code);
      return new Inspection(false, null);
    }

    @Override
    public Completeness isComplete(String code) {
      calls.add("isComplete " + code);
      return new Completeness("incomplete", "  ");
    }

    @Override
    public KernelInfo kernelInfo() {
      return new KernelInfo(
          new LanguageInfo("toy", "1", "text/x-toy", ".toy", "toy", "toy"), "Toy", List.of());
    }

    @Override
    public void interrupt() {}

    @Override
    public void close() {}
  }

  @Test
  void everyRequestOfTheTrainingSessionIsAnsweredOverZeroMq() throws Exception {
    var interpreter = new Recording();
    assertTrue(AotWireSession.run(interpreter, List.of("1 + 1", "fail", "x")));
    assertEquals(
        List.of(
            "execute 1 + 1",
            "execute fail",
            "execute x",
            "complete Math.ma",
            "inspect Math.max",
            "isComplete for (int i = 0; i < 3; i++) {"),
        interpreter.calls);
  }
}
