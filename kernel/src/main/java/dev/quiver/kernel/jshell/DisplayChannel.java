package dev.quiver.kernel.jshell;

import dev.quiver.agent.DisplayCodec;
import dev.quiver.agent.DisplayMessage;
import dev.quiver.display.MimeBundle;
import java.io.OutputStream;

/** Reads the display frames the agent's sink writes ({@link DisplayCodec}) and hands them on. */
final class DisplayChannel extends OutputStream {

  interface Listener {
    void display(MimeBundle bundle, String id, boolean update);

    void clear(boolean wait);

    /** Text the cell JVM did not send (past the output limit), for the notice. */
    void cut(long bytes, long lines);

    /** A widget's comm message, or a widget callback's output (see {@link WidgetChannel}). */
    void widgets(DisplayMessage message);
  }

  private final DisplayCodec.Reader reader;

  DisplayChannel(Listener listener) {
    this.reader =
        new DisplayCodec.Reader(
            m -> deliver(listener, m),
            e -> System.err.println("quiver kernel: bad display message from the cell JVM: " + e));
  }

  @Override
  public void write(int b) {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) {
    reader.feed(b, off, len);
  }

  private static void deliver(Listener listener, DisplayMessage message) {
    try {
      switch (message) {
        case DisplayMessage.Clear clear -> listener.clear(clear.waitForNext());
        case DisplayMessage.Cut cut -> listener.cut(cut.bytes(), cut.lines());
        case DisplayMessage.Show show ->
            listener.display(show.bundle(), show.displayId(), show.update());
        case DisplayMessage.Comm c -> listener.widgets(c);
        case DisplayMessage.Stream st -> listener.widgets(st);
        case DisplayMessage.Done d -> listener.widgets(d);
        case DisplayMessage.Parented p -> listener.widgets(p);
      }
    } catch (RuntimeException e) {
      System.err.println("quiver kernel: publishing a display message failed: " + e);
    }
  }
}
