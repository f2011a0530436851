package dev.quiver.agent;

import dev.quiver.display.MimeBundle;
import java.util.Map;
import java.util.Objects;

/**
 * What a cell's display calls send from the cell JVM to the kernel, one frame each on the agent's
 * {@code display} stream (see {@link DisplayCodec}): the kernel publishes each one on IOPub as
 * {@code display_data}, {@code update_display_data} or {@code clear_output}.
 */
public sealed interface DisplayMessage {

  /**
   * {@code Display.show}/{@code update}: a bundle to show.
   *
   * @param displayId the display to create or update, or null for a display of its own
   * @param update true to replace what display {@code displayId} shows
   */
  record Show(MimeBundle bundle, String displayId, boolean update) implements DisplayMessage {
    public Show {
      Objects.requireNonNull(bundle, "DisplayMessage.Show: bundle is null");
      if (update && displayId == null) {
        throw new IllegalArgumentException(
            "DisplayMessage.Show: an update needs the id of the display it replaces");
      }
    }
  }

  /**
   * {@code Display.clear}: clears the cell's output, at once or ({@code waitForNext}, Jupyter's
   * {@code wait}) when the next output comes.
   */
  record Clear(boolean waitForNext) implements DisplayMessage {}

  /**
   * Printed text the cell JVM counted and did not send: the part of one piece's {@code out} and
   * {@code err} past the kernel's output limit (see {@code OutputPump}), which the kernel would not
   * have shown. Sent when the piece ends; the kernel adds it to its notice of what was cut.
   *
   * @param bytes the bytes not sent
   * @param lines the line ends among them
   */
  record Cut(long bytes, long lines) implements DisplayMessage {
    public Cut {
      if (bytes < 0 || lines < 0 || lines > bytes) {
        throw new IllegalArgumentException(
            "DisplayMessage.Cut: " + bytes + " bytes and " + lines + " lines cannot be");
      }
    }
  }

  /**
   * A widget's comm ({@code dev.quiver.display.widgets}): {@code op} is {@code open} (to the {@code
   * jupyter.widget} target, {@code data} its state), {@code msg} or {@code close}; the kernel
   * publishes it as {@code comm_open}, {@code comm_msg} or {@code comm_close}.
   */
  record Comm(String op, String commId, Map<String, Object> data) implements DisplayMessage {
    public Comm {
      Objects.requireNonNull(commId, "DisplayMessage.Comm: comm id is null");
      if (!op.equals("open") && !op.equals("msg") && !op.equals("close")) {
        throw new IllegalArgumentException("DisplayMessage.Comm: unknown op " + op);
      }
      data = data == null ? Map.of() : data;
    }
  }

  /** Text a widget callback printed ({@code name}: stdout or stderr); always {@link Parented}. */
  record Stream(String name, String text) implements DisplayMessage {}

  /** A widget callback for a front-end message is done: the kernel says "idle" for it. */
  record Done() implements DisplayMessage {}

  /**
   * {@code message} on behalf of the front-end message {@code parent} (a widget callback's output),
   * not of the running cell.
   */
  record Parented(String parent, DisplayMessage message) implements DisplayMessage {
    public Parented {
      Objects.requireNonNull(parent, "DisplayMessage.Parented: parent is null");
      if (message instanceof Parented) {
        throw new IllegalArgumentException("DisplayMessage.Parented: nested");
      }
    }
  }
}
