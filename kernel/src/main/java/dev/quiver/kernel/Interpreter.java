package dev.quiver.kernel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.display.MimeBundle;
import java.util.List;

/**
 * What request handling needs from a language, as xeus's {@code xinterpreter}: execute, complete,
 * inspect, is_complete and kernel_info; it knows nothing of JShell, and the handlers know nothing
 * of the language. Calls other than {@link #interrupt()} come from one thread, one at a time.
 */
public interface Interpreter extends AutoCloseable {

  /** Where a running cell sends output; callable from any thread. */
  interface Output {
    void stream(String name, String text);

    void display(MimeBundle bundle, String displayIdOrNull, boolean update);

    void clear(boolean wait);

    /**
     * Asks the user for a line; null when the frontend does not take input or the cell was
     * interrupted.
     */
    String input(String prompt, boolean password);

    /**
     * The user interrupted the cell: little more of what it sends is shown, the rest is counted, so
     * that its reply comes at once however fast it prints (see {@code CellOutput}).
     */
    default void interrupted() {}

    /**
     * Printed text the cell JVM counted and did not send, because it was past the output limit (see
     * {@code OutputPump} in the agent): {@code bytes} bytes holding {@code lines} line ends, for
     * the notice of what was cut.
     */
    default void cutAtSource(long bytes, long lines) {}

    /**
     * Whether the user interrupted this cell before it started: the interrupt came while the kernel
     * had not yet read the request (see {@code EarlyInterrupts}). Asked once, as the cell starts.
     */
    default boolean interruptedBeforeStart() {
      return false;
    }
  }

  /**
   * Where the language's comms go (widgets the cell JVM opened) and the output of code that runs on
   * behalf of a front-end message rather than a cell (a widget's callback); request handling sets
   * it once ({@link #connect}). Callable from any thread.
   */
  interface Comms {
    /**
     * Publishes on IOPub as a child of the front-end message {@code parentId}; null: of the running
     * (or last) cell, after its output so far.
     */
    void publish(String parentId, String type, ObjectNode content);

    /** The code run for front-end message {@code parentId} is done: its "idle" status. */
    void done(String parentId);
  }

  /** Connects the language's comms; the default has none. */
  default void connect(Comms comms) {}

  /**
   * A front-end {@code comm_msg} (or, {@code closed}, {@code comm_close}) for a comm the language
   * opened; true when it was handed on, and {@link Comms#done} will follow for {@code msgId}.
   *
   * @param itsCellRuns whether the cell that opened the comm still runs (a Stop button stops it)
   */
  default boolean commMessage(
      String commId, JsonNode data, String msgId, boolean closed, boolean itsCellRuns) {
    return false;
  }

  sealed interface Outcome {
    /**
     * @param result the value of the cell's last expression, or null
     * @param page text for the frontend's pager (help on {@code name?}), or null
     */
    record Ok(MimeBundle result, MimeBundle page, String nextInput) implements Outcome {
      public Ok(MimeBundle result) {
        this(result, null, null);
      }

      public Ok(MimeBundle result, MimeBundle page) {
        this(result, page, null);
      }
    }

    record Error(String ename, String evalue, List<String> traceback) implements Outcome {}
  }

  record Completion(List<String> matches, int start, int end) {}

  /**
   * @param found false when there is nothing to show; bundle null then
   */
  record Inspection(boolean found, MimeBundle bundle) {}

  /**
   * @param status complete, incomplete, invalid or unknown; indent for incomplete
   */
  record Completeness(String status, String indent) {}

  /** kernel_info_reply's {@code language_info}. */
  record LanguageInfo(
      String name,
      String version,
      String mimetype,
      String fileExtension,
      String pygmentsLexer,
      String codemirrorMode) {}

  record HelpLink(String text, String url) {}

  /**
   * What kernel_info_reply says of the language: its facts, the console's banner, links for the
   * help menu.
   */
  record KernelInfo(LanguageInfo language, String banner, List<HelpLink> helpLinks) {}

  /**
   * Starts whatever is slow to start (a JVM, a compiler) in the background. The server calls it
   * once its sockets are bound, so the frontend hears from the kernel first.
   */
  default void start() {}

  /** Runs a cell; {@code executionCount} names the cell in error messages. */
  Outcome execute(String code, int executionCount, Output out);

  /** Completion at a UTF-16 offset. */
  Completion complete(String code, int cursor);

  Inspection inspect(String code, int cursor, int detailLevel);

  Completeness isComplete(String code);

  /**
   * The language's facts for kernel_info_reply; answered at once, without waiting for {@link
   * #start}.
   */
  KernelInfo kernelInfo();

  /** Adds jars or folders to the class path of the code cells run; false when not supported. */
  default boolean addToClasspath(String path) {
    return false;
  }

  /** Stops the running cell, if any, from another thread. */
  void interrupt();

  @Override
  void close();
}
