package dev.quiver.agent;

import dev.quiver.display.DisplaySink;
import dev.quiver.display.MimeBundle;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * The display sink of the JVM that runs cells: each call becomes one frame ({@link DisplayCodec})
 * on the {@code display} stream to the kernel, which publishes it on IOPub.
 */
final class StreamSink implements DisplaySink {

  private final OutputStream out;
  private final Runnable afterClear;

  /**
   * @param afterClear run once a clear's frame is queued (the pump's count of text sent starts
   *     afresh then, as the kernel's does)
   */
  StreamSink(OutputStream out, Runnable afterClear) {
    this.out = out;
    this.afterClear = afterClear;
  }

  @Override
  public void display(MimeBundle bundle, String displayIdOrNull) {
    send(new DisplayMessage.Show(bundle, displayIdOrNull, false));
  }

  @Override
  public void update(MimeBundle bundle, String displayId) {
    send(new DisplayMessage.Show(bundle, displayId, true));
  }

  @Override
  public void clear(boolean wait) {
    send(new DisplayMessage.Clear(wait));
    afterClear.run();
  }

  /** Sends a frame; a widget callback's goes to the front-end message it answers. */
  void send(DisplayMessage message) {
    var parent = WidgetLink.parentOfThisThread();
    if (parent != null && !(message instanceof DisplayMessage.Parented)) {
      message = new DisplayMessage.Parented(parent, message);
    }
    var frame = DisplayCodec.frame(message);
    // Text printed before this call must reach the notebook before it.
    System.out.flush();
    System.err.flush();
    synchronized (this) {
      try {
        out.write(frame);
        out.flush();
      } catch (IOException e) {
        throw new UncheckedIOException("the kernel connection is gone", e);
      }
    }
  }
}
