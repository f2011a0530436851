package dev.quiver.display;

import java.io.PrintStream;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The sink used when no kernel is installed: prints the text/plain of each bundle.
 *
 * <p>Two modes. {@link Mode#LINES} prints every display and every update on lines of its own, which
 * is right for logs and pipes. {@link Mode#OVERWRITE} is for terminals: a one-line output shown
 * with a display id is left open (no newline), and updates of that id rewrite it after a carriage
 * return, so {@code Display.show("progress", ...)} in a loop draws one moving line. Any other
 * output first ends the open line. Text that others print to the stream meanwhile would join the
 * open line; that is the usual price of a terminal progress line.
 *
 * <p>{@link #clear(boolean)} prints nothing: a terminal cannot take back what it printed, and
 * control sequences would be noise in a log.
 *
 * <pre>{@code
 * Display.setSink(new TextSink(System.out, TextSink.Mode.OVERWRITE));   // e.g. in a jshell startup
 * }</pre>
 */
public final class TextSink implements DisplaySink {

  /** How updates are printed. */
  public enum Mode {
    /** every display and update on new lines */
    LINES,
    /** single-line updates of the current display id overwrite it with a carriage return */
    OVERWRITE
  }

  private final Supplier<PrintStream> out;
  private final Mode mode;

  // The display id whose one-line text is printed without its newline yet, and that text's length.
  private String openId;
  private int openLength;

  /**
   * Prints to whatever {@code System.out} is at the time of each call (a host may redirect it),
   * overwriting progress lines only when the JVM runs in an interactive terminal, or when {@code
   * -Dquiver.textSink=overwrite} says its output reaches one: JShell's snippets run in a JVM of
   * their own whose output the {@code jshell} tool copies to its terminal, so that JVM has no
   * console ({@code ./quiver jshell} sets it; {@code =lines} forces lines).
   */
  public TextSink() {
    this(() -> System.out, isTerminal() ? Mode.OVERWRITE : Mode.LINES);
  }

  /** Prints to {@code out} in the given mode. */
  public TextSink(PrintStream out, Mode mode) {
    this(constant(Objects.requireNonNull(out, "TextSink: stream is null")), mode);
  }

  private TextSink(Supplier<PrintStream> out, Mode mode) {
    this.out = out;
    this.mode = Objects.requireNonNull(mode, "TextSink: mode is null");
  }

  /** A sink on {@code System.out} as it is at each call, in the given mode. */
  public static TextSink stdout(Mode mode) {
    return new TextSink(() -> System.out, mode);
  }

  public Mode mode() {
    return mode;
  }

  @Override
  public synchronized void display(MimeBundle bundle, String displayIdOrNull) {
    var text = bundle.text();
    var stream = out.get();
    endOpenLine(stream);
    if (mode == Mode.OVERWRITE && displayIdOrNull != null && isOneLine(text)) {
      stream.print(text);
      openId = displayIdOrNull;
      openLength = text.length();
    } else {
      printLine(stream, text);
    }
    stream.flush();
  }

  @Override
  public synchronized void update(MimeBundle bundle, String displayId) {
    var text = bundle.text();
    var stream = out.get();
    if (mode == Mode.OVERWRITE && displayId.equals(openId) && isOneLine(text)) {
      // Spaces cover what is left of a longer previous line.
      stream.print("\r" + text + " ".repeat(Math.max(0, openLength - text.length())));
      openLength = text.length();
      stream.flush();
      return;
    }
    display(bundle, displayId);
  }

  @Override
  public void clear(boolean wait) {
    // Deliberately nothing; see the class comment.
  }

  private void endOpenLine(PrintStream stream) {
    if (openId != null) {
      stream.println();
      openId = null;
    }
  }

  private static void printLine(PrintStream stream, String text) {
    if (text.endsWith("\n")) {
      stream.print(text);
    } else {
      stream.println(text);
    }
  }

  private static boolean isOneLine(String text) {
    return text.indexOf('\n') < 0 && text.indexOf('\r') < 0;
  }

  private static boolean isTerminal() {
    var said = System.getProperty("quiver.textSink", "");
    if (said.equals("overwrite") || said.equals("lines")) {
      return said.equals("overwrite");
    }
    var console = System.console();
    return console != null && console.isTerminal();
  }

  private static Supplier<PrintStream> constant(PrintStream stream) {
    return () -> stream;
  }
}
