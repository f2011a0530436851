package dev.quiver.agent;

import dev.quiver.display.Display;
import dev.quiver.display.MimeBundle;
import dev.quiver.display.Renderers;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import jdk.jshell.execution.RemoteExecutionControl;
import jdk.jshell.execution.Util;

/**
 * The main class of the JVM that runs cells (started by the kernel through JDI, as the {@code
 * jshell} tool starts its own agent). It is JShell's {@link RemoteExecutionControl} plus three
 * things the kernel needs:
 *
 * <ul>
 *   <li>a {@code display} stream next to {@code out} and {@code err} on the one socket to the
 *       kernel, so {@code Display.show} output keeps its order relative to printed text;
 *   <li>the value of the last snippet, kept as an object so the kernel can ask for its rich
 *       rendering ({@link #RENDER}) instead of the {@code toString} JShell transmits;
 *   <li>a clean interrupt flag at the start of each snippet, since the kernel's interrupt first
 *       calls {@link Thread#interrupt()} on the snippet's thread, and a stop at print and display
 *       calls ({@link CellStop}), whose bytes go to the socket on a thread of their own ({@link
 *       OutputPump}).
 * </ul>
 *
 * This class runs in the user's JVM, so it uses only the JDK, Jackson and the display contract.
 * Rendered values and display calls reach the kernel in {@link DisplayCodec}'s frame.
 */
public final class Agent extends RemoteExecutionControl {

  /** Extension command: the last snippet value's MIME bundle, as JSON text. */
  public static final String RENDER = "quiver.render";

  /**
   * Extension command: load a quick cell's classes and invoke its {@code do_it$}, in one round trip
   * instead of JShell's two (load, then invoke). The argument is {@code Object[] {ClassBytecodes[]
   * classes, String className}}; the answer is {@link #invoke}'s.
   */
  public static final String LOAD_AND_RUN = "quiver.loadAndRun";

  /**
   * Extension command: the values a cell of another language published ({@link
   * Shared#takePublished()}).
   */
  public static final String PUBLISHED = "quiver.published";

  private volatile Object lastValue;

  // The cell JVM's out, err and display streams (see OutputPump).
  private static final OutputPump PUMP = new OutputPump();
  private static volatile OutputStream stdout, stderr;

  private static PrintStream printStream(OutputStream stream) {
    return new PrintStream(stream, true, StandardCharsets.UTF_8);
  }

  // The display sink once JShell's display stream is set up; widget callbacks' output goes there.
  private static volatile StreamSink sink;

  private static void toSink(DisplayMessage m) {
    var s = sink;
    if (s != null) {
      s.send(m);
    }
  }

  // System.out or err: the cell's stream, except for what a widget callback prints.
  private static PrintStream cellStream(OutputStream stream, String name) {
    return printStream(WidgetLink.routed(stream, name, Agent::toSink));
  }

  // The thread running a cell's code now, or null (JShell runs them on one thread): for a
  // widget's Stop button. Guarded by CELLS.
  private static Thread cellThread;

  private static final WidgetLink.CellThreads CELLS =
      new WidgetLink.CellThreads() {
        @Override
        public synchronized boolean interrupt() {
          if (cellThread == null) {
            return false;
          }
          cellThread.interrupt();
          return true;
        }
      };

  // Set by the kernel through JDI, with the closer thread interrupted to act on it: the socket
  // or stream a snippet is blocked on in native code, where neither Thread.interrupt nor an
  // asynchronous exception reaches it (ServerSocket.accept, a blocking socket read).
  @SuppressWarnings("unused")
  private static volatile java.io.Closeable closeTarget;

  // JDI refuses to set a field whose type the declaring class's loader has not loaded yet
  // (ClassNotLoadedException: java.io.Closeable). This class literal has ours load it at start;
  // before, that happened only by chance, when something else on the class path (Jackson) did.
  private static final Class<?> CLOSE_TARGET_TYPE = java.io.Closeable.class;
  static final String CLOSER_THREAD = "quiver-interrupt-closer";

  public static void main(String[] args) throws Exception {
    var socket = new Socket((String) null, Integer.parseInt(args[0]));
    socket.setTcpNoDelay(true); // small request/response writes: no Nagle delays
    // What the cell printed and the kernel has not read yet: little, so that after an interrupt
    // the kernel is soon through it (Linux grows an untuned buffer to megabytes).
    socket.setSendBufferSize(64 << 10);
    InputStream in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
    // JShell's multiplexer writes a packet of at most 127 bytes at a time and flushes after each
    // write: buffered, a write is one system call instead of one per packet.
    OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
    Map<String, Consumer<OutputStream>> outputs = new HashMap<>();
    outputs.put(
        "out",
        st -> {
          stdout = PUMP.stream(st, false);
          System.setOut(cellStream(stdout, "stdout"));
        });
    outputs.put(
        "err",
        st -> {
          stderr = PUMP.stream(st, false);
          System.setErr(cellStream(stderr, "stderr"));
        });
    outputs.put(
        "display",
        st -> {
          sink = new StreamSink(PUMP.stream(st, true), PUMP::cleared);
          Display.setSink(sink);
        });
    connectWidgets(Integer.parseInt(args[0]));
    Map<String, Consumer<InputStream>> inputs = new HashMap<>();
    inputs.put("in", System::setIn);
    // A cell that calls System.exit: what it printed just before still reaches the notebook.
    Runtime.getRuntime()
        .addShutdownHook(Thread.ofPlatform().unstarted(() -> PUMP.awaitWritten(500)));
    Thread.ofPlatform().daemon().name(CLOSER_THREAD).start(Agent::closeWhenAsked);
    // Frontends send SIGINT to the kernel's whole process group, which includes this JVM:
    // the kernel turns it into an interrupt, so here it must not end the process.
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("INT"), sun.misc.SignalHandler.SIG_IGN);
    } catch (RuntimeException | LinkageError ignored) {
      // no signals on this platform
    }
    CompilerPriority.lowerC2();
    startWarmUp();
    try {
      Util.forwardExecutionControlAndIO(new Agent(), in, out, outputs, inputs);
    } finally {
      // The kernel closed the connection (shutdown, restart, or it died): threads the user
      // started must not keep this JVM alive as an orphan. System.exit lets a CDS archive
      // be written; the watchdog halts if a shutdown hook hangs.
      Thread.ofPlatform()
          .daemon()
          .start(
              () -> {
                try {
                  Thread.sleep(3000);
                } catch (InterruptedException ignored) {
                  // halt anyway
                }
                Runtime.getRuntime().halt(0);
              });
      System.exit(0);
    }
  }

  /** The system property naming the background warm-up's class (a public static {@code run()}). */
  static final String WARM_UP = "quiver.cell.warmUp";

  /**
   * The system property that, "true", lowers the warm-up's thread to the least priority and lets it
   * run while the kernel works (off by default: docs/kernel.md).
   */
  static final String WARM_UP_NICE = "quiver.warmUp.nice";

  /**
   * Starts the cell JVM's background warm-up ({@code -Dquiver.cell.warmUp=CLASS}, the DSL's {@code
   * TrainingWarmUp} in the kernel's cell flags) on a daemon thread, unless {@code QUIVER_WARMUP=0}
   * in the kernel's environment. It runs only while no cell does: its class's {@code run(Runnable)}
   * calls {@link CellGate#awaitNoCell} between its steps (see docs/kernel.md). Its class comes from
   * the system class loader, the one JShell's cells load the DSL from, so the code it warms is the
   * code the cells run. It must neither print nor fail: whatever it throws is dropped.
   */
  private static void startWarmUp() {
    var name = System.getProperty(WARM_UP);
    if (name == null || name.isBlank() || "0".equals(System.getenv("QUIVER_WARMUP"))) {
      return;
    }
    Runnable awaitIdle = CELL_GATE::awaitIdle;
    Thread.ofPlatform()
        .daemon()
        .name("quiver-warm-up")
        .start(
            () -> {
              // -Dquiver.warmUp.nice=true: at the least priority it may run while the kernel
              // compiles the first cells, on the core the kernel leaves idle. Off by default: on a
              // quiet machine it made the first fit faster and nearly everything around it slower,
              // its JIT compiles competing at normal priority (docs/kernel.md).
              if ("true".equals(System.getProperty(WARM_UP_NICE))
                  && BackgroundPriority.lowerThisThread()) {
                CELL_GATE.ignoreKernel();
              }
              try {
                Class.forName(name, true, ClassLoader.getSystemClassLoader())
                    .getMethod("run", Runnable.class)
                    .invoke(null, awaitIdle);
              } catch (ReflectiveOperationException | RuntimeException | LinkageError ignored) {
                // no warm-up: cells run as they would without it
              }
            });
  }

  // Whether a cell's code runs now or the kernel works: the warm-up waits while either does.
  static final CellGate CELL_GATE = CellGate.forThisJvm();

  // The second connection to the kernel: the front end's widget messages (see WidgetLink). The
  // kernel accepts it right after JShell's. Without it, cells run as before and widgets show as
  // their text.
  private static void connectWidgets(int port) {
    try {
      var socket = new Socket((String) null, port);
      socket.setTcpNoDelay(true);
      var link = new WidgetLink(Agent::toSink, CELLS);
      link.serve(new BufferedInputStream(socket.getInputStream(), 1 << 14));
      dev.quiver.display.widgets.Widgets.setHost(link);
    } catch (java.io.IOException e) {
      System.err.println("quiver agent: no widget connection to the kernel: " + e);
    }
  }

  // Parks until interrupted (by the kernel, through JDI), then closes closeTarget.
  private static void closeWhenAsked() {
    while (true) {
      try {
        Thread.sleep(Long.MAX_VALUE);
      } catch (InterruptedException e) {
        var target = closeTarget;
        closeTarget = null;
        if (target != null) {
          try {
            target.close();
          } catch (Throwable ignored) {
            // it may already be closed
          }
        }
      }
    }
  }

  /**
   * Headers of what {@link #invoke} returns, before JShell's value string. Why: most cell values
   * (numbers, strings, lists) have no rich rendering, and asking for it ({@link #RENDER}) cost a
   * second round trip per cell. So the plain text comes along at once, and only a value with a rich
   * rendering waits to be asked. The kernel's {@code RemoteControl} takes the header off before
   * JShell sees the value string.
   *
   * <ul>
   *   <li>{@link #RICH}: ask for the rendering;
   *   <li>{@link #PLAIN_SAME}: the plain text is the value string itself (an object's toString);
   *   <li>{@link #PLAIN_OWN} LENGTH ':' TEXT: the plain text (a string unquoted, an array as a
   *       list);
   *   <li>{@link #NONE}: nothing to show ({@link CellCall#NO_VALUE}, from quick cells only: JShell
   *       itself needs a value string).
   * </ul>
   */
  public static final String RICH = "\u0000r",
      PLAIN_SAME = "\u0000s",
      PLAIN_OWN = "\u0000o",
      NONE = "\u0000n";

  // The kernel's stop() looks for this frame (class Agent, method invoke) through JDI.
  @Override
  protected String invoke(Method doitMethod) throws Exception {
    lastValue = null;
    Object value = doitMethod.invoke(null);
    lastValue = value;
    try {
      return packValue(value);
    } catch (CellStop.Stopped | ThreadDeath stop) {
      throw stop;
    } catch (Throwable t) {
      // The value's toString threw: that is the user's exception, with its trace, not the
      // kernel's (DirectExecutionControl reports an InvocationTargetException's cause as such).
      lastValue = null;
      throw new InvocationTargetException(t);
    }
  }

  // CellStop's cell begins before inClientCode is set, so a stop the kernel asks for once it sees
  // user code running is for this cell and not the one before.
  @Override
  protected void clientCodeEnter() {
    CELL_GATE.enter(); // first: clientCodeLeave, which leaves it, runs even if the rest throws
    // An interrupt meant for the previous cell must not hit this one; one for this cell comes
    // only once inClientCode is set (the kernel looks for it), so it stays.
    Thread.interrupted();
    CellStop.begin();
    PUMP.pieceBegins();
    synchronized (CELLS) {
      cellThread = Thread.currentThread();
    }
    super.clientCodeEnter();
  }

  // The cell's output is on the socket before its answer, which is sent after this.
  @Override
  protected void clientCodeLeave() throws InternalException {
    try {
      super.clientCodeLeave();
    } finally {
      try {
        CellStop.end();
        System.out.flush();
        System.err.flush();
        // What was printed past the kernel's limit and not sent: the kernel's notice counts it.
        var cut = PUMP.pieceEnds();
        if (cut != null && sink != null) {
          sink.send(cut);
        }
        synchronized (CELLS) {
          cellThread = null;
        }
        PUMP.awaitWritten(30_000);
      } finally {
        CELL_GATE.leave();
      }
    }
  }

  @Override
  protected String throwConvertedInvocationException(Throwable cause)
      throws RunException, InternalException {
    if (stoppedHere(cause)) {
      throw stopped();
    }
    try {
      return super.throwConvertedInvocationException(cause);
    } catch (StoppedException e) {
      throw stopped();
    }
  }

  @Override
  protected String throwConvertedOtherException(Throwable ex)
      throws RunException, InternalException {
    if (stoppedHere(ex)) {
      throw stopped();
    }
    try {
      return super.throwConvertedOtherException(ex);
    } catch (StoppedException e) {
      throw stopped();
    }
  }

  private static boolean stoppedHere(Throwable t) {
    for (int depth = 0; t != null && depth < 20; depth++, t = t.getCause()) {
      if (t instanceof CellStop.Stopped) {
        return true;
      }
    }
    return false;
  }

  // A stop may have landed inside System.out's encoder, leaving bytes of the interrupted line in
  // it that the next cell would print: the cell JVM's streams start afresh.
  private static StoppedException stopped() {
    var out = stdout;
    var err = stderr;
    if (out != null) {
      System.setOut(cellStream(out, "stdout"));
    }
    if (err != null) {
      System.setErr(cellStream(err, "stderr"));
    }
    return new StoppedException();
  }

  /**
   * JShell's value string of {@code value} behind the header that says how it renders (see {@link
   * #RICH}).
   */
  public static String packValue(Object value) {
    if (value == CellCall.NO_VALUE) {
      return NONE;
    }
    var text = valueString(value);
    if (Renderers.hasRichRendering(value)) {
      return RICH + text;
    }
    if (value != null
        && !(value instanceof String)
        && !(value instanceof Character)
        && !value.getClass().isArray()) {
      // toString, once; a long one is cut by the forwarder (see MAX_ANSWER), so it is asked for
      // whole.
      return text.length() + 2 <= MAX_ANSWER ? PLAIN_SAME + text : RICH + text;
    }
    var plain = value == null ? "null" : Renderers.plainText(value);
    var packed = PLAIN_OWN + plain.length() + ":" + plain + text;
    // JShell's forwarder cuts any answer beyond MAX_ANSWER characters (the limit of writeUTF),
    // which would cut the plain text short: a long value takes the rendering round trip instead.
    return packed.length() <= MAX_ANSWER ? packed : RICH + text;
  }

  /**
   * The longest answer JShell's forwarder passes on whole
   * (jdk.jshell.execution.ExecutionControlForwarder).
   */
  public static final int MAX_ANSWER = 21_844;

  @Override
  public Object extensionCommand(String command, Object arg)
      throws RunException, EngineTerminationException, InternalException {
    if (PUBLISHED.equals(command)) {
      return Shared.takePublished();
    }
    if (LOAD_AND_RUN.equals(command)
        && arg instanceof Object[] a
        && a.length == 2
        && a[0] instanceof ClassBytecodes[] classes
        && a[1] instanceof String className) {
      try {
        load(classes);
      } catch (ClassInstallException e) {
        throw new InternalException(
            "could not load the cell's class " + className + ": " + e.getMessage());
      }
      return invoke(className, "do_it$"); // through invoke(Method): the interrupt finds its frame
    }
    if (!RENDER.equals(command)) {
      return super.extensionCommand(command, arg);
    }
    // A Displayable's toMimeBundle is user code: mark it as such so an interrupt can stop it.
    clientCodeEnter();
    try {
      return DisplayCodec.toJsonText(Renderers.render(lastValue));
    } catch (Throwable t) {
      return DisplayCodec.toJsonText(
          MimeBundle.text(valueString(lastValue) + "\n(rendering failed: " + t + ")"));
    } finally {
      lastValue = null;
      clientCodeLeave();
    }
  }
}
