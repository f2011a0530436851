package dev.quiver.display;

import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Shows values from anywhere: a cell, a library, a training callback on another thread.
 *
 * <pre>{@code
 * Display.show(new Html("<h3>Training</h3>"));
 * var id = Display.newDisplayId();
 * for (int epoch = 1; epoch <= 100; epoch++) {
 *     // ... train ...
 *     Display.show(id, "epoch " + epoch + " loss " + loss);   // first call shows, later calls update it
 * }
 * }</pre>
 *
 * <h2>Why one global sink</h2>
 *
 * The sink is a single volatile field, not a thread-local. The kernel installs it once; work
 * started from a cell runs on threads the kernel never sees (executors, fork-join pools, a
 * trainer's worker), and with a per-thread sink their output would silently go to the terminal
 * fallback instead of the notebook. Deciding which cell an output belongs to is the sink's job: the
 * kernel knows which request is executing.
 *
 * <h2>Threads</h2>
 *
 * Every method is safe from any thread. Calls with the same display id are serialized so the sink
 * sees {@code display} before that id's updates, and updates in the order they were made; other
 * calls reach the sink concurrently.
 */
public final class Display {

  private static volatile DisplaySink sink = new TextSink();

  // Display ids shown through the current sink; the value is the lock that orders that id's calls.
  private static final Map<String, IdState> IDS = new ConcurrentHashMap<>();

  private static final class IdState {
    boolean shown;
  }

  private Display() {}

  /** Shows {@code value} as a new output. */
  public static void show(Object value) {
    sink.display(Renderers.render(value), null);
  }

  /**
   * Shows {@code value} under {@code displayId}: the first call with an id creates the output,
   * later calls replace it in place (a progress line, a live chart). After {@link #clear()} the
   * next call creates it again, in the current output.
   */
  public static void show(String displayId, Object value) {
    Objects.requireNonNull(
        displayId, "Display.show: display id is null; use show(value) for an output without one");
    if (displayId.isBlank()) {
      throw new IllegalArgumentException("Display.show: display id is blank");
    }
    var bundle = Renderers.render(value);
    var target = sink;
    var state = IDS.computeIfAbsent(displayId, id -> new IdState());
    synchronized (state) {
      if (state.shown) {
        target.update(bundle, displayId);
      } else {
        target.display(bundle, displayId);
        state.shown = true; // only once the sink took it: a failed display is retried as a display
      }
    }
  }

  /** The same as {@link #show(Object)}, under the name IPython and IJava users type. */
  public static void display(Object value) {
    show(value);
  }

  /** The same as {@link #show(String, Object)}, under the name IPython and IJava users type. */
  public static void display(String displayId, Object value) {
    show(displayId, value);
  }

  /**
   * A fresh display id, unique in this JVM and across kernel restarts: 128 random bits in UUID
   * form.
   *
   * <p>Not {@code UUID.randomUUID()}: its first call seeds a {@code SecureRandom} (the security
   * providers' start-up, 15-20 ms of CPU in a fresh JVM), and a notebook's first fit paid that for
   * its progress bar's id. An id needs to be unlikely to repeat, not unguessable.
   */
  public static String newDisplayId() {
    var random = ThreadLocalRandom.current();
    return "quiver-" + new UUID(random.nextLong(), random.nextLong());
  }

  /** Clears the current output at once. */
  public static void clear() {
    clear(false);
  }

  /**
   * Clears the current output.
   *
   * @param wait true: the frontend clears when the next output arrives, which avoids flicker when
   *     redrawing in a loop
   */
  public static void clear(boolean wait) {
    // The cleared outputs may have carried display ids; the next show with such an id must
    // create an output again, or it would update something no longer on screen.
    IDS.clear();
    sink.clear(wait);
  }

  /**
   * Installs {@code newSink} for all threads, and forgets the ids shown through the previous one.
   */
  public static void setSink(DisplaySink newSink) {
    Objects.requireNonNull(
        newSink, "Display.setSink: sink is null; use resetSink() for the text default");
    sink = newSink;
    IDS.clear();
  }

  /** The sink in use now. */
  public static DisplaySink sink() {
    return sink;
  }

  /** Goes back to a {@link TextSink} on {@code System.out}. */
  public static void resetSink() {
    setSink(new TextSink());
  }
}
