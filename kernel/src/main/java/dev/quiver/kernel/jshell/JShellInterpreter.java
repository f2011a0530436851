package dev.quiver.kernel.jshell;

import dev.quiver.agent.DisplayCodec;
import dev.quiver.display.MimeBundle;
import dev.quiver.kernel.Interpreter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.VarSnippet;
import jdk.jshell.spi.ExecutionControl;

/**
 * Cells run by JShell, with the user's code in a second JVM.
 *
 * <h2>Why a second JVM (JShell's JDI engine) and not the in-process engine</h2>
 *
 * JShell keeps each snippet in a class of its own; a redefinition or a new import recompiles the
 * classes that depend on it. The in-process ("local") engine cannot replace a loaded class, so it
 * loads a fresh one, and the values held in the old class's static fields (the user's variables)
 * are lost: {@code var x = 5; int f() { return 1; }} followed by a new {@code import} or a changed
 * {@code f} can leave {@code x} at 0. The JDI engine, the {@code jshell} tool's default, redefines
 * classes in place (JVMTI RedefineClasses), so variables keep their values exactly as at the {@code
 * jshell} prompt. It also gives:
 *
 * <ul>
 *   <li>{@code System.exit} in a cell ends only that JVM; the kernel reports it and starts a new
 *       one;
 *   <li>an interrupt can stop code that never polls for it (see {@link RemoteControl});
 *   <li>the kernel's sockets and threads never share a heap, a GC pause or a crash with user code.
 * </ul>
 *
 * The price: display calls and stdin cross the process boundary (the agent's {@code display} stream
 * and JShell's {@code in} stream), and a result's rich rendering is asked for by an extension
 * command. Both ride on the one socket JShell already uses, so output keeps its order.
 *
 * <p>This class runs cells (the execute loop, quick cells, values), completes, inspects and
 * interrupts them; the cell JVM's life cycle is {@link CellJvm}'s, error reports are {@link
 * CellErrors}', and cells of other languages go through a {@link LanguageBridge}.
 */
public final class JShellInterpreter implements Interpreter {

  /**
   * How to start the cell JVM.
   *
   * @param kotlinClassPath the Kotlin host and compiler, for the Kotlin cells KernelMain registers
   *     ({@link #bridgeTo}); null: no Kotlin
   */
  public record Config(
      String classPath, List<String> jvmFlags, List<String> startup, String kotlinClassPath) {
    public Config(String classPath, List<String> jvmFlags, List<String> startup) {
      this(classPath, jvmFlags, startup, null);
    }
  }

  private static final KernelInfo KERNEL_INFO =
      new KernelInfo(
          new LanguageInfo(
              "java",
              Integer.toString(Runtime.version().feature()),
              "text/x-java",
              ".jshell",
              "java",
              "text/x-java"),
          "Quiver: Java " + Runtime.version() + " (JShell), with the Quiver runtime imported",
          List.of(
              new HelpLink("Java API", "https://docs.oracle.com/en/java/javase/25/docs/api/"),
              new HelpLink("JShell", "https://docs.oracle.com/en/java/javase/25/jshell/")));

  private final Config config;
  private final ExecutorService interrupter =
      Executors.newSingleThreadExecutor(
          r -> Thread.ofPlatform().daemon().name("quiver-interrupt").unstarted(r));
  private final CurrentCell current = new CurrentCell();
  private final WidgetChannel widgets = new WidgetChannel();
  private final CellErrors errors = new CellErrors();
  private final CellJvm jvm;
  private final AtomicInteger quickIds = new AtomicInteger();
  private final AtomicInteger redeclarations = new AtomicInteger();
  private final MethodEdits edits = new MethodEdits(errors);
  private final NewVariables variables = new NewVariables();

  public JShellInterpreter(Config config) {
    this.config = config;
    this.jvm =
        new CellJvm(
            config, current, widgets, (js, cell) -> run(js, cell, 0, CurrentCell.NO_OUTPUT));
  }

  /**
   * Starts the cell JVM's process now, before {@link #start}: it then starts on the other core
   * while the kernel binds its sockets (see {@link RemoteEngine#start}).
   */
  public void startCellJvmEarly() {
    jvm.startEarly();
  }

  @Override
  public void start() {
    jvm.start();
  }

  /** Blocks until the JVM that runs cells is up; throws when it could not start. */
  public void awaitReady() {
    jvm.await();
  }

  @Override
  public void close() {
    jvm.close();
    interrupter.shutdownNow();
  }

  @Override
  public KernelInfo kernelInfo() {
    return KERNEL_INFO;
  }

  @Override
  public void connect(Comms comms) {
    widgets.connect(comms);
  }

  @Override
  public boolean commMessage(
      String commId,
      com.fasterxml.jackson.databind.JsonNode data,
      String msgId,
      boolean closed,
      boolean itsCellRuns) {
    return widgets.send(commId, data, msgId, closed, itsCellRuns);
  }

  /**
   * Cells of {@code language}, run by its host in the cell JVM (see {@link LanguageBridge}), whose
   * jars ({@code hostClassPath}; null or blank: none, and such cells answer why) join the cell JVM
   * on the language's first cell.
   */
  public LanguageBridge bridgeTo(String language, String hostClassPath) {
    return new LanguageBridge(this, language, hostClassPath);
  }

  // For LanguageBridge: the state its cells share with Java's.
  CellJvm cellJvm() {
    return jvm;
  }

  CurrentCell currentCell() {
    return current;
  }

  CellErrors errors() {
    return errors;
  }

  List<String> startup() {
    return config.startup();
  }

  // ---------------------------------------------------------------------------------------
  // Execute

  @Override
  public Outcome execute(String code, int executionCount, Output out) {
    current.begin(out); // before the wait for the cell JVM: an interrupt meanwhile counts
    try {
      JShell js;
      try {
        js = jvm.awaitCell();
      } catch (RuntimeException e) {
        return CellErrors.cellJvmDidNotStart(e);
      }
      return run(js, code, executionCount, out);
    } finally {
      current.end();
    }
  }

  private Outcome run(JShell js, String code, int executionCount, Output out) {
    var help = code.strip();
    if (help.endsWith("?") && !help.endsWith("??") && help.indexOf('\n') < 0 && help.length() > 1) {
      // "Math.max?" asks for help, as in IPython: the documentation goes to the pager.
      var name = help.substring(0, help.length() - 1);
      var doc = inspect(name, name.length(), 0);
      return new Outcome.Ok(
          null, doc.found() ? doc.bundle() : MimeBundle.text("no documentation found for " + name));
    }
    var sca = js.sourceCodeAnalysis();
    var values = new ArrayList<Snippet>();
    var indexing = QuickCells.pauseIndexing(sca);
    try {
      return runPieces(js, code, executionCount, out, sca, values);
    } finally {
      SnippetValues.forget(js, values);
      jvm.resumeIndexingLater(indexing);
    }
  }

  private Outcome runPieces(
      JShell js,
      String code,
      int executionCount,
      Output out,
      SourceCodeAnalysis sca,
      List<Snippet> values) {
    String shown = null; // the value string of the last piece, when it has one to show
    var pieces = Pieces.split(sca, code);
    var unparsed = Pieces.firstUnparsed(sca, pieces);
    if (unparsed != null) {
      // A line that is not Java fails the cell before any line of it runs (JShell rejects it
      // without running anything; the lines before it were not evaluated).
      edits.sync(js);
      for (var e : js.eval(unparsed.source())) {
        if (e.causeSnippet() == null && e.status() == Snippet.Status.REJECTED) {
          errors.place(e.snippet().id(), executionCount, unparsed.line(code));
          return errors.compileError(js, e.snippet(), unparsed, code, executionCount);
        }
      }
    }
    for (var piece : pieces) {
      if (current.interrupted()) {
        return CellErrors.interrupted();
      }
      var q = jvm.quick();
      var edited =
          edits.run(js, q, jvm.control(), piece, code, executionCount, jvm::restartAfterDeath);
      if (edited != null) {
        if (edited instanceof QuickRun.Failed(var failure)) {
          return failure;
        }
        shown = null; // a declaration shows nothing
        continue;
      }
      var again = q == null ? null : Redeclarations.of(js, piece.source());
      if (again != null) {
        var ran = runAgain(js, q, again, piece, code, executionCount);
        if (ran instanceof QuickRun.Failed(var failure)) {
          return failure;
        }
        if (ran != null) {
          shown = null; // a declaration shows nothing
          continue;
        }
      }
      var planned = variables.plan(js, q, piece.source());
      if (planned != null) {
        // Its initializer runs as a quick piece, then JShell declares it (with the default value
        // if the initializer failed).
        var ran = runQuick(js, q, planned.compiled(), piece, code, executionCount);
        if (!jvm.died() && !jvm.gone()) {
          edits.sync(js);
          variables.declare(
              js, planned, ran instanceof QuickRun.Done, errors, executionCount, piece.line(code));
        }
        if (ran instanceof QuickRun.Failed(var failure)) {
          return failure;
        }
        shown = null; // a declaration shows nothing
        continue;
      }
      var compiled = q == null ? null : q.compile(piece.source());
      if (compiled != null) {
        var ran = runQuick(js, q, compiled, piece, code, executionCount);
        if (ran instanceof QuickRun.Failed(var failure)) {
          return failure;
        }
        shown = showOwnLine(piece, ((QuickRun.Done) ran).valueString(), out);
        continue;
      }
      List<SnippetEvent> events;
      try {
        edits.sync(js);
        events = js.eval(piece.source());
      } catch (IllegalStateException e) {
        return jvm.restartAfterDeath();
      }
      if (jvm.gone()) {
        return jvm.restartAfterDeath();
      }
      for (var e : events) {
        if (e.causeSnippet() != null) {
          continue;
        }
        errors.place(e.snippet().id(), executionCount, piece.line(code));
        if (e.snippet() instanceof VarSnippet v
            && v.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND) {
          values.add(v);
        }
        if (e.status() == Snippet.Status.REJECTED) {
          return errors.compileError(js, e.snippet(), piece, code, executionCount);
        }
        if (current.interrupted()) {
          return CellErrors.interrupted();
        }
        if (e.exception() != null) {
          return errors.runtimeError(
              Thrown.of(e.exception(), s -> CellErrors.unresolvedMessage(js, s)), e.snippet().id());
        }
        if (e.status() == Snippet.Status.RECOVERABLE_DEFINED
            || e.status() == Snippet.Status.RECOVERABLE_NOT_DEFINED) {
          var missing =
              js.unresolvedDependencies((jdk.jshell.DeclarationSnippet) e.snippet()).toList();
          out.stream(
              "stderr",
              "note: "
                  + e.snippet().source().strip().lines().findFirst().orElse("")
                  + " can be used once "
                  + String.join(", ", missing)
                  + " is defined\n");
        }
        shown = SnippetValues.shown(e) ? e.value() : null;
      }
      shown = showOwnLine(piece, shown, out);
    }
    if (current.interrupted()) {
      return CellErrors.interrupted();
    }
    return new Outcome.Ok(shown != null ? render(shown) : null);
  }

  /**
   * A value on a line of its own in the middle of a cell shows at once, as at the jshell prompt;
   * returns the value string still to show as the cell's result (null once shown).
   */
  private String showOwnLine(Pieces.Piece piece, String valueString, Output out) {
    if (!piece.ownLine() || valueString == null) {
      return valueString;
    }
    out.display(render(valueString), null, false);
    return null;
  }

  /** How a quick piece ended: its value string (null: nothing to show), or the cell's outcome. */
  sealed interface QuickRun {
    record Done(String valueString) implements QuickRun {}

    record Failed(Outcome outcome) implements QuickRun {}
  }

  /**
   * A declaration run again unchanged (see {@link Redeclarations}); null when its assignment does
   * not compile as a quick cell (JShell evaluates the piece then).
   */
  private QuickRun runAgain(
      JShell js,
      QuickCells q,
      Redeclarations.Plan again,
      Pieces.Piece piece,
      String code,
      int executionCount) {
    QuickRun ran = new QuickRun.Done(null);
    if (again instanceof Redeclarations.Assign assign
        && !(assign.literal() != null
            && edits.assign(js, jvm.control(), assign.snippet(), assign.literal()))) {
      var compiled = q.compile(assign.piece());
      if (compiled == null) {
        return null;
      }
      ran = runQuick(js, q, compiled, piece, code, executionCount);
    }
    // Its frames in later traces name this cell, as a new declaration's would.
    errors.place(again.snippet().id(), executionCount, piece.line(code));
    redeclarations.incrementAndGet();
    return ran;
  }

  /** New variables declared with their initializer's value in one compile (for tests). */
  NewVariables newVariables() {
    return variables;
  }

  /** Methods edited without JShell's pipeline (JShell must know them before it evaluates). */
  MethodEdits methodEdits() {
    return edits;
  }

  /** How many declarations ran again unchanged without JShell's pipeline (for tests). */
  int redeclarationsRun() {
    return redeclarations.get();
  }

  // Loads a quick piece's class into the cell JVM and runs it through JShell's execution engine.
  private QuickRun runQuick(
      JShell js,
      QuickCells q,
      QuickCells.Compiled compiled,
      Pieces.Piece piece,
      String code,
      int executionCount) {
    var c = jvm.control();
    if (c == null || jvm.died()) {
      return new QuickRun.Failed(jvm.restartAfterDeath());
    }
    var id =
        "q" + quickIds.incrementAndGet(); // also counts the quick pieces run (see quickPiecesRun)
    errors.place(id, executionCount, piece.line(code));
    try {
      String value;
      if (compiled.loaded()) {
        value = c.invoke(compiled.className(), "do_it$");
      } else {
        value = c.loadAndRun(compiled.classes(), compiled.className());
        q.markLoaded(compiled);
      }
      return current.interrupted()
          ? new QuickRun.Failed(CellErrors.interrupted())
          : new QuickRun.Done(value);
    } catch (ExecutionControl.StoppedException e) {
      q.markLoaded(compiled);
      return new QuickRun.Failed(CellErrors.interrupted());
    } catch (ExecutionControl.EngineTerminationException e) {
      return new QuickRun.Failed(jvm.restartAfterDeath());
    } catch (ExecutionControl.UserException | ExecutionControl.ResolutionException e) {
      q.markLoaded(compiled); // loaded, then it threw
      if (current.interrupted()) {
        return new QuickRun.Failed(CellErrors.interrupted());
      }
      return new QuickRun.Failed(
          errors.runtimeError(
              Thrown.of(
                  e,
                  frames -> q.translate(edits.frames(frames), compiled, id),
                  re -> {
                    var snippet = q.snippetOfKey(re.id());
                    return snippet != null
                        ? CellErrors.unresolvedMessage(js, snippet)
                        : "the cell calls something not defined yet";
                  }),
              id));
    } catch (ExecutionControl.ExecutionControlException e) {
      if (jvm.died()) {
        return new QuickRun.Failed(jvm.restartAfterDeath());
      }
      return new QuickRun.Failed(
          new Outcome.Error(
              "KernelError",
              "running the cell failed: " + e,
              List.of("Running the cell failed: " + e)));
    }
  }

  /** The quick cells in use, or null (for tests). */
  QuickCells quickCells() {
    return jvm.quick();
  }

  /** How many pieces took the quick path so far (for tests). */
  int quickPiecesRun() {
    return quickIds.get();
  }

  /**
   * A value's rendering: the plain text that came with it, or the rich one asked of the cell JVM.
   */
  MimeBundle render(String valueString) {
    try {
      var control = jvm.control();
      var plain = control.takePlainText();
      if (plain != null) {
        return MimeBundle.text(plain);
      }
      var json = control.renderLastValue();
      if (json != null) {
        return DisplayCodec.fromJsonText(json);
      }
    } catch (Exception ex) {
      System.err.println("quiver kernel: rendering the result failed: " + ex);
    }
    return MimeBundle.text(valueString);
  }

  @Override
  public boolean addToClasspath(String path) {
    jvm.await().addToClasspath(path);
    var q = jvm.quick();
    if (q != null) {
      q.forgetLoaded();
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------
  // Interrupt

  @Override
  public void interrupt() {
    long cell = current.cell();
    current.interrupt();
    interrupter.execute(() -> stopCell(cell));
  }

  /**
   * Stops cell number {@code cell}'s user code, trying again while the cell is still on its way to
   * run some (the cell JVM starting, the next piece compiling): a stop that came too early was
   * dropped before, and the loop ran on until a second interrupt.
   */
  private void stopCell(long cell) {
    while (current.running(cell)) {
      var c = jvm.control();
      try {
        if (c != null && c.tryStop()) {
          return;
        }
        Thread.sleep(20);
      } catch (InterruptedException e) {
        return; // the kernel is closing
      } catch (Exception e) {
        System.err.println("quiver kernel: interrupt failed: " + e);
        return;
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // Completion, inspection, completeness

  @Override
  public Completion complete(String code, int cursor) {
    var js = jvm.await();
    var sca = js.sourceCodeAnalysis();
    var region = Pieces.regionAt(sca, code, cursor);
    int[] anchor = new int[1];
    var matches = new LinkedHashSet<String>();
    var suggestions = sca.completionSuggestions(region.text(), cursor - region.start(), anchor);
    suggestions.stream()
        .filter(SourceCodeAnalysis.Suggestion::matchesType)
        .forEach(s -> matches.add(s.continuation()));
    suggestions.forEach(s -> matches.add(s.continuation()));
    jvm.releaseStartupHold(); // a completion that waited for the start: the indexer may go on now
    return new Completion(List.copyOf(matches), region.start() + anchor[0], cursor);
  }

  @Override
  public Inspection inspect(String code, int cursor, int detailLevel) {
    var js = jvm.await();
    var sca = js.sourceCodeAnalysis();
    var region = Pieces.regionAt(sca, code, cursor);
    var text = region.text();
    int at = cursor - region.start();
    var docs = sca.documentation(text, at, true);
    if (docs.isEmpty()) {
      // At the end of a word, or on a method name without its parentheses: ask as if the
      // call were opened there ("Math.max" -> "Math.max(").
      int end = at;
      while (end < text.length() && Character.isJavaIdentifierPart(text.charAt(end))) {
        end++;
      }
      docs = sca.documentation(text.substring(0, end) + "(", end + 1, true);
    }
    if (docs.isEmpty()) {
      return new Inspection(false, null);
    }
    var plain = new StringBuilder();
    var html = new StringBuilder();
    for (var d : docs) {
      plain.append(d.signature()).append('\n');
      html.append("<pre>").append(dev.quiver.display.Html.escape(d.signature())).append("</pre>");
      if (d.javadoc() != null && !d.javadoc().isBlank()) {
        plain.append(d.javadoc().strip()).append("\n\n");
        html.append("<div>").append(d.javadoc().strip()).append("</div>");
      }
    }
    return new Inspection(
        true,
        MimeBundle.text(plain.toString().strip()).with(MimeBundle.TEXT_HTML, html.toString()));
  }

  @Override
  public Completeness isComplete(String code) {
    var js = jvm.await();
    return Pieces.completeness(js.sourceCodeAnalysis(), code);
  }
}
