package dev.quiver.kernel.jshell;

import dev.quiver.display.MimeBundle;
import dev.quiver.kernel.Interpreter.Outcome;
import dev.quiver.kernel.Log;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;

/**
 * The life cycle of the JVM that runs cells and of the JShell that drives it: the early start of
 * its process, the start of JShell (default imports compiled while the JVM starts, a warm-up), its
 * death (System.exit in a cell, a crash) and the fresh one started after it, and the close.
 *
 * <p>Its streams go to the {@link CurrentCell}'s output: printed text as {@code stream} output, the
 * agent's display frames ({@link DisplayChannel}) as display output.
 */
final class CellJvm {

  /** Runs a warm-up cell the way a user's cell runs, with its output going nowhere. */
  @FunctionalInterface
  interface WarmUp {
    void run(JShell js, String cell);
  }

  private static final List<String> WARM_UP =
      List.of("1 + 1", "String $quiverWarm(int x) { return \"v\" + x; }");

  static final String FOLDED_IMPORTS_LEAD = "import java.lang.*;";

  /**
   * Cells compile with their local variables' names, so that a NullPointerException's message names
   * the user's variable ({@code "t" is null}) rather than a slot ({@code "<local0>"}). Quick cells
   * compile with the same option (JShell's compiler contexts are pooled by their options).
   */
  static final String DEBUG_INFO = "-g";

  private static volatile boolean quickCellsReported;

  private final JShellInterpreter.Config config;
  private final CurrentCell current;
  private final WidgetChannel widgets;
  private final WarmUp warmUp;
  private final AtomicReference<CompletableFuture<RemoteEngine.Started>> earlyCellJvm =
      new AtomicReference<>();
  private final AtomicReference<IndexKeepingFileManager> fileManager = new AtomicReference<>();

  /**
   * One cell JVM and the JShell that drives it, from its start to its death. The callbacks of a JVM
   * (its JDI exit event, its JShell's shutdown) reach only its own generation: the dead JVM's exit
   * callback, which can come late, once set the reason on the next JVM too, and the restart then
   * ran from two places (two cell JVMs, with the shell, quick cells and control of different ones).
   */
  private static final class Generation {
    final AtomicReference<String> death = new AtomicReference<>();
    volatile JShell shell;
    volatile RemoteControl control;
    volatile QuickCells quick; // null: every piece goes through JShell (see QuickCells)
    volatile boolean reported; // its death was told to the user
    volatile Generation previous; // the one it replaced, until that one's death is reported
  }

  private Generation gen; // the newest; guarded by this
  private volatile Generation cellGen; // the one the running (or last) request awaited
  // The generation a warm-up cell runs on, on the thread that starts it.
  private final ThreadLocal<Generation> warming = new ThreadLocal<>();
  private boolean closed; // guarded by this
  private volatile CompletableFuture<Void> ready;
  private volatile boolean cellWaiting; // a request waits for the start: warm up no further
  private volatile AutoCloseable
      startupIndexHold; // JShell's indexer held from the start to the first cell's end

  CellJvm(
      JShellInterpreter.Config config, CurrentCell current, WidgetChannel widgets, WarmUp warmUp) {
    this.config = config;
    this.current = current;
    this.widgets = widgets;
    this.warmUp = warmUp;
  }

  private List<String> cellJvmOptions() {
    var options = new ArrayList<String>();
    options.add("--class-path");
    options.add(config.classPath());
    options.addAll(config.jvmFlags());
    return options;
  }

  /**
   * Starts the cell JVM's process now, before {@link #start}: it then starts on the other core
   * while the kernel binds its sockets (see {@link RemoteEngine#start}).
   */
  void startEarly() {
    earlyCellJvm.compareAndSet(null, RemoteEngine.start(cellJvmOptions()));
  }

  /** Starts JShell and the cell JVM in the background, once. */
  synchronized void start() {
    if (ready == null) {
      startGeneration(null);
    }
  }

  // Guarded by this.
  private void startGeneration(Generation previous) {
    var g = new Generation();
    g.previous = previous;
    if (previous != null) {
      previous.previous = null; // one back is all a notice needs
    }
    gen = g;
    ready =
        CompletableFuture.runAsync(
            () -> startShell(g), r -> Thread.ofPlatform().name("quiver-jshell-start").start(r));
  }

  private void startShell(Generation g) {
    long t0 = System.nanoTime();
    var out =
        new PrintStream(
            new TextForwarder(t -> current.output().stream("stdout", t)),
            true,
            StandardCharsets.UTF_8);
    var err =
        new PrintStream(
            new TextForwarder(t -> current.output().stream("stderr", t)),
            true,
            StandardCharsets.UTF_8);
    var display =
        new DisplayChannel(
            new DisplayChannel.Listener() {
              @Override
              public void display(MimeBundle bundle, String id, boolean update) {
                current.output().display(bundle, id, update);
              }

              @Override
              public void clear(boolean wait) {
                current.output().clear(wait);
              }

              @Override
              public void cut(long bytes, long lines) {
                current.output().cutAtSource(bytes, lines);
              }

              @Override
              public void widgets(dev.quiver.agent.DisplayMessage message) {
                widgets.fromCellJvm(null, message);
              }
            });
    var remoteOptions = cellJvmOptions();
    var engine =
        new RemoteEngine(
            display,
            c -> g.control = c,
            widgets::attach,
            why -> died(g, why),
            earlyCellJvm.getAndSet(null));
    var js =
        JShell.builder()
            .out(out)
            .err(err)
            .in(current.stdin())
            .executionEngine(engine, Map.of())
            .remoteVMOptions(remoteOptions.toArray(String[]::new))
            .compilerOptions(DEBUG_INFO)
            .fileManager(
                fm -> {
                  var manager = new IndexKeepingFileManager(fm);
                  fileManager.set(manager);
                  return manager;
                })
            .build();
    // The cell JVM is starting in the background now (RemoteEngine): the imports compile meanwhile.
    // Not a --class-path compiler option: that would hide what %classpath and %maven add later.
    // (The cell JVM has it on its own class path already; its loader asks that one first.)
    js.addToClasspath(config.classPath());
    g.quick = attachQuickCells(js);
    // JShell closes itself when its engine ends (System.exit in a cell, a crash).
    js.onShutdown(closed -> died(g, "the cell JVM ended"));
    // Meanwhile, on the other core: JShell's source analysis (which splits cells) made and
    // warmed, its class-path indexer held until the first cell is done (see holdIndexer).
    var analysis =
        Thread.ofPlatform()
            .daemon()
            .name("quiver-analysis-warm-up")
            .start(
                () -> {
                  startupIndexHold = QuickCells.holdIndexer();
                  js.sourceCodeAnalysis().analyzeCompletion("1 + 1");
                });
    importDefaults(js, config.startup());
    try {
      analysis.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long imported = System.nanoTime();
    engine.awaitLaunch();
    long launched = System.nanoTime();
    // Warm what a first cell goes through (splitting, compiling an expression or a method,
    // running it, rendering its value in the cell JVM), then forget the snippets that made.
    // A cell already waiting goes first instead: it warms the path it takes itself, and
    // waiting for a warm-up of other paths would only delay it.
    var before = js.snippets().map(Snippet::id).collect(java.util.stream.Collectors.toSet());
    int warmed = 0;
    warming.set(g);
    try {
      for (var cell : WARM_UP) {
        if (cellWaiting) {
          break;
        }
        warmUp.run(js, cell);
        warmed++;
      }
    } finally {
      warming.remove();
    }
    js.snippets().filter(sn -> !before.contains(sn.id())).toList().forEach(js::drop);
    keepJdkListings();
    g.shell = js;
    long now = System.nanoTime();
    // CPU time too: on a busy machine the wall times say more about the neighbours than about us.
    long cpu =
        ProcessHandle.current()
            .info()
            .totalCpuDuration()
            .map(java.time.Duration::toMillis)
            .orElse(-1L);
    Log.info(
        String.format(
            Locale.ROOT,
            "cell JVM ready in %d ms (imports compiled after %d ms, cell JVM up after %d ms, warm-up %d ms%s; kernel JVM CPU so far %d ms)",
            (now - t0) / 1_000_000,
            (imported - t0) / 1_000_000,
            (launched - t0) / 1_000_000,
            (now - launched) / 1_000_000,
            warmed < WARM_UP.size()
                ? String.format(
                    Locale.ROOT,
                    ", cut short after %d of %d cells for a waiting request",
                    warmed,
                    WARM_UP.size())
                : "",
            cpu));
    if (!cellWaiting) {
      releaseStartupHold(); // no cell to make way for: index while the user types
    }
    cellWaiting = false;
  }

  /**
   * In the AOT training ({@code -Dquiver.jdkListings.record=FILE}): what javac listed of the JDK's
   * packages in the start, for the kernels after it ({@link JdkListings}).
   */
  private void keepJdkListings() {
    var file = System.getProperty("quiver.jdkListings.record");
    var manager = fileManager.get();
    if (file == null || file.isBlank() || manager == null) {
      return;
    }
    try {
      manager.keepSystemListings(java.nio.file.Path.of(file));
    } catch (java.io.IOException | RuntimeException e) {
      Log.info("could not keep the JDK's listings in " + file + ": " + e);
    }
  }

  // Lets JShell's indexer go on (it is one thread for every JShell in this JVM: a hold never
  // released would stop the indexing of the next cell JVM's shell too).
  static void resume(AutoCloseable hold) {
    try {
      hold.close();
    } catch (Exception ignored) {
      // JShell's indexer: nothing to do if it cannot be resumed
    }
  }

  /**
   * JShell's class-path indexer (for completion, about 0.4 s of CPU at a kernel's start) goes on
   * once no cell has run for {@link #INDEX_AFTER_MS}: a notebook's first cells, sent one after the
   * other, are left the core for themselves and the cell JVM (a later cell's own pause keeps it
   * waiting meanwhile).
   */
  void resumeIndexingLater(AutoCloseable indexing) {
    Runnable go =
        () -> {
          resume(indexing);
          releaseStartupHold();
        };
    try {
      later.schedule(go, INDEX_AFTER_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      go.run(); // closing
    }
  }

  private static final long INDEX_AFTER_MS = Long.getLong("quiver.indexAfterMs", 1000);
  private final java.util.concurrent.ScheduledExecutorService later =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("quiver-index-later").unstarted(r));

  void releaseStartupHold() {
    var hold = startupIndexHold;
    startupIndexHold = null;
    if (hold != null) {
      resume(hold);
    }
  }

  /**
   * Quick cells (see {@link QuickCells}) unless turned off ({@code -Dquiver.quickCells=false}) or
   * unavailable on this JDK; the reason for the latter goes to the log once.
   */
  private static QuickCells attachQuickCells(JShell js) {
    if (!Boolean.parseBoolean(System.getProperty("quiver.quickCells", "true"))) {
      return null;
    }
    try {
      return QuickCells.attach(js);
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      if (!quickCellsReported) {
        quickCellsReported = true;
        Log.info(
            "quick cells are off, every cell goes through JShell's pipeline"
                + " (the kernel JVM needs the flags in the pom's quiver.kernel.jvm.flags): "
                + e);
      }
      return null;
    }
  }

  /**
   * The default imports as one snippet, not one each. JShell takes one snippet per eval, but an
   * import snippet's text goes whole into every later compilation unit, so one snippet of several
   * import lines imports them all, for one compilation instead of about 25 of a cold javac (most of
   * a kernel's start). It leads with {@code import java.lang.*;}, which changes nothing: JShell
   * names an import snippet after its first line, and a user's {@code import} of the same name
   * would replace the whole snippet, so that name must be one nobody types. If the group is
   * rejected (a package missing), the lines go one at a time, as before.
   */
  static void importDefaults(JShell js, List<String> lines) {
    if (lines.isEmpty()) {
      return;
    }
    var group = FOLDED_IMPORTS_LEAD + "\n" + String.join("\n", lines);
    var events = js.eval(group);
    if (events.stream()
        .noneMatch(e -> e.causeSnippet() == null && e.status() == Snippet.Status.REJECTED)) {
      return;
    }
    for (var line : lines) {
      for (var e : js.eval(line)) {
        if (e.status() == Snippet.Status.REJECTED) {
          System.err.println("quiver kernel: startup line rejected: " + line);
        }
      }
    }
  }

  /**
   * The shell, once started (starting it if need be); throws when the cell JVM could not start. The
   * request that calls it runs on that shell: {@link #control}, {@link #died} and the others answer
   * for its cell JVM until the next call.
   */
  JShell await() {
    start();
    if (!ready.isDone()) {
      cellWaiting = true;
    }
    var r = ready;
    r.join();
    Generation g;
    synchronized (this) {
      g = gen;
    }
    cellGen = g;
    return g.shell;
  }

  /**
   * {@link #await} for a cell: when the cell JVM died while no cell ran (a crash, a thread calling
   * System.exit), the cell's output says so first, once, and the cell runs in the fresh one.
   */
  JShell awaitCell() {
    var js = await();
    var notice = takeDeathNotice();
    if (notice != null) {
      current.output().stream("stderr", notice + "\n");
    }
    return js;
  }

  /**
   * The execution control of the request's cell JVM; null while none is connected (starting, or
   * after its death).
   */
  RemoteControl control() {
    var g = requestGeneration();
    return g == null ? null : g.control;
  }

  /** The quick cells of the request's shell, or null (see {@link #attachQuickCells}). */
  QuickCells quick() {
    var g = requestGeneration();
    return g == null ? null : g.quick;
  }

  /** Whether the request's cell JVM ended (System.exit in a cell, a crash) since it started. */
  boolean died() {
    var g = requestGeneration();
    return g != null && g.death.get() != null;
  }

  /** Whether there is no cell JVM to run the request in: it died, or none is connected. */
  boolean gone() {
    var g = requestGeneration();
    return g == null || g.death.get() != null || g.control == null;
  }

  // A cell JVM ended: the first reason counts, and a fresh one starts at once, once.
  private void died(Generation g, String why) {
    if (!g.death.compareAndSet(null, why)) {
      return;
    }
    synchronized (this) {
      if (closed || gen != g) {
        return;
      }
      Log.info("the cell JVM ended (" + why + "); starting a fresh one");
      startGeneration(g);
    }
    // Its process may still be exiting (the JDI exit event comes first): let it end on its own, so
    // that its exit status (System.exit's) can be told, before it is killed.
    Thread.ofPlatform()
        .daemon()
        .name("quiver-cell-jvm-reaper")
        .start(
            () -> {
              var c = g.control;
              if (c != null) {
                try {
                  c.process().waitFor(2, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException ignored) {
                  // kill it now
                }
              }
              closeShell(g);
            });
  }

  /**
   * Reports the death of the request's cell JVM as the cell's outcome (a fresh one has been started
   * by then); its death is told once, here or by {@link #takeDeathNotice}.
   */
  Outcome restartAfterDeath() {
    var g = requestGeneration();
    if (g != null) {
      died(g, "the connection to it failed");
      g.reported = true;
    }
    var message = deathMessage(g, "a fresh one has been started.");
    return new Outcome.Error("JvmExited", message, List.of(message));
  }

  private Generation requestGeneration() {
    var w = warming.get();
    return w != null ? w : cellGen;
  }

  /**
   * When the cell JVM died while no cell ran (a crash, a thread calling System.exit), what the next
   * cell says first, once; else null.
   */
  private String takeDeathNotice() {
    var g = cellGen;
    var dead = g == null ? null : g.previous;
    if (dead == null || dead.reported) {
      return null;
    }
    dead.reported = true;
    return deathMessage(dead, "this cell runs in a fresh one.");
  }

  private static String deathMessage(Generation g, String then) {
    String exit = "";
    var c = g == null ? null : g.control;
    if (c != null) {
      try {
        c.process().waitFor(2, java.util.concurrent.TimeUnit.SECONDS);
        exit = " with status " + c.process().exitValue();
      } catch (Exception ignored) {
        // still going: closeShell killed it
      }
    }
    return "The JVM running the cells exited"
        + exit
        + " (System.exit or a crash). Its variables are gone; "
        + then;
  }

  private void closeShell(Generation g) {
    releaseStartupHold();
    var js = g.shell;
    if (js != null) {
      try {
        js.close();
      } catch (RuntimeException ignored) {
        // already dead
      }
    }
    var c = g.control;
    if (c != null) {
      c.process().destroyForcibly();
    }
  }

  void close() {
    Generation g;
    synchronized (this) {
      closed = true;
      g = gen;
    }
    later.shutdownNow();
    if (g != null) {
      closeShell(g);
    }
  }
}
