package dev.quiver.display.widgets;

import java.util.Map;

/**
 * What widgets need of the notebook they live in: comms to the front end's {@code jupyter.widget}
 * target, and the running cell. The cell JVM's agent installs one ({@link Widgets#setHost}); with
 * none (a terminal, a test) widgets are not live and show as their text.
 *
 * <p>Data maps hold JSON values only: String, Number, Boolean, null, List and Map of those.
 */
public interface WidgetHost {

  /**
   * Where captured output goes (an {@link Output}'s {@code msg_id}): this string, anywhere in a
   * message's data, is replaced by the kernel with the id of the request whose output is being
   * produced (the running cell's execute request, or the front-end message a callback answers).
   */
  String PARENT = "\u0000quiver-parent";

  /**
   * Opens comm {@code commId} to the front end's {@code jupyter.widget} target; {@code state} is
   * the {@code comm_open} data.
   */
  void open(String commId, Map<String, Object> state);

  /** Sends {@code data} on an open comm. */
  void send(String commId, Map<String, Object> data);

  /** Closes a comm. */
  void close(String commId);

  /**
   * Stops, as an interrupt does, the cell that first showed the widget whose front-end message is
   * being handled (a Stop button's click), if that cell still runs; false when it does not, or when
   * not called from a callback.
   */
  boolean stopItsCell();
}
