package dev.quiver.display;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TextSinkTest {

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  private String printed() {
    return bytes.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n");
  }

  @Test
  void linesModePrintsEveryDisplayAndUpdate() {
    var sink = new TextSink(out, TextSink.Mode.LINES);
    sink.display(MimeBundle.of("plain", MimeBundle.TEXT_HTML, "<b>rich</b>"), null);
    sink.display(MimeBundle.text("epoch 1"), "p");
    sink.update(MimeBundle.text("epoch 2"), "p");
    sink.clear(false);
    sink.display(MimeBundle.text("two\nlines\n"), null);
    assertEquals("plain\nepoch 1\nepoch 2\ntwo\nlines\n", printed());
  }

  @Test
  void overwriteModeRewritesOneLineUpdatesWithACarriageReturn() {
    var sink = new TextSink(out, TextSink.Mode.OVERWRITE);
    sink.display(MimeBundle.text("epoch 1 loss 2.30"), "p");
    sink.update(MimeBundle.text("epoch 2 loss 0.9"), "p");
    sink.update(MimeBundle.text("done"), "p");
    sink.display(MimeBundle.text("next"), null);
    assertEquals("epoch 1 loss 2.30\repoch 2 loss 0.9 \rdone            \nnext\n", printed());
  }

  @Test
  void overwriteModeEndsTheOpenLineForOtherIdsAndMultiLineText() {
    var sink = new TextSink(out, TextSink.Mode.OVERWRITE);
    sink.display(MimeBundle.text("a1"), "a");
    sink.display(MimeBundle.text("b1"), "b");
    sink.update(MimeBundle.text("a2"), "a"); // a's line is gone from view: printed again
    sink.update(MimeBundle.text("a3\nmore"), "a"); // not one line: printed whole
    sink.clear(true);
    assertEquals("a1\nb1\na2\na3\nmore\n", printed());
  }

  @Test
  void defaultSinkWritesToSystemOutAsItIsAtEachCall() {
    var sink = new TextSink();
    var original = System.out;
    try {
      System.setOut(out);
      sink.display(MimeBundle.text("captured"), null);
    } finally {
      System.setOut(original);
    }
    assertEquals("captured\n", printed());
  }

  @Test
  void displayFacadeUsesTextByDefault() {
    var original = System.out;
    try {
      System.setOut(out);
      Display.setSink(TextSink.stdout(TextSink.Mode.LINES));
      Display.show(new Html("<i>shown</i>"));
      Display.show("id", 1);
      Display.show("id", 2);
    } finally {
      System.setOut(original);
      Display.resetSink();
    }
    assertEquals("shown\n1\n2\n", printed());
  }
}
