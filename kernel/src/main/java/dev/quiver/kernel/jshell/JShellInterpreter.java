package dev.quiver.kernel.jshell;

import dev.quiver.agent.CellCompilationError;
import dev.quiver.agent.CellLanguages;
import dev.quiver.agent.DisplayCodec;
import dev.quiver.display.MimeBundle;
import dev.quiver.kernel.Interpreter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.ExpressionSnippet;
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
 * JShell keeps each snippet in a class of its own; a redefinition or a new import recompiles
 * the classes that depend on it. The in-process ("local") engine cannot replace a loaded
 * class, so it loads a fresh one, and the values held in the old class's static fields (the
 * user's variables) are lost: {@code var x = 5; int f() { return 1; }} followed by a new
 * {@code import} or a changed {@code f} can leave {@code x} at 0. The JDI engine, the
 * {@code jshell} tool's default, redefines classes in place (JVMTI RedefineClasses), so
 * variables keep their values exactly as at the {@code jshell} prompt. It also gives:
 * <ul>
 *   <li>{@code System.exit} in a cell ends only that JVM; the kernel reports it and starts a new one;</li>
 *   <li>an interrupt can stop code that never polls for it (see {@link RemoteControl});</li>
 *   <li>the kernel's sockets and threads never share a heap, a GC pause or a crash with user code.</li>
 * </ul>
 * The price: display calls and stdin cross the process boundary (the agent's {@code display}
 * stream and JShell's {@code in} stream), and a result's rich rendering is asked for by an
 * extension command. Both ride on the one socket JShell already uses, so output keeps its order.
 */
public final class JShellInterpreter implements Interpreter {

    /** How to start the cell JVM. */
    /** @param kotlinClassPath the Kotlin host and compiler, added to the cell JVM on the first Kotlin cell; null: no Kotlin */
    public record Config(String classPath, List<String> jvmFlags, List<String> startup, String kotlinClassPath) {
        public Config(String classPath, List<String> jvmFlags, List<String> startup) {
            this(classPath, jvmFlags, startup, null);
        }
    }

    // Before the first cell: output from startup goes to the kernel's log.
    private static final Output NO_OUTPUT = new Output() {
        @Override
        public void stream(String name, String text) {
            System.err.print(text);
        }

        @Override
        public void display(MimeBundle bundle, String id, boolean update) {
            System.err.println(bundle.text());
        }

        @Override
        public void clear(boolean wait) {
        }

        @Override
        public String input(String prompt, boolean password) {
            return null;
        }
    };

    private final Config config;
    private final ExecutorService interrupter = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon().name("quiver-interrupt").unstarted(r));
    private final Map<String, int[]> snippetPlace = new ConcurrentHashMap<>();   // snippet id -> {cell, first line}
    private final StdinBridge stdin = new StdinBridge(this::askForLine);

    private volatile Output output = NO_OUTPUT;
    private volatile boolean interrupted;
    private volatile String deathReason;
    private volatile JShell shell;
    private volatile RemoteControl control;
    private volatile CompletableFuture<Void> ready;
    private volatile boolean cellWaiting;       // a request waits for the start: warm up no further
    private volatile boolean kotlinLoaded;
    private volatile QuickCells quick;          // null: every piece goes through JShell (see QuickCells)
    private volatile AutoCloseable startupIndexHold;   // JShell's indexer held from the start to the first cell's end
    private final Map<String, String> fromKotlin = new ConcurrentHashMap<>();   // Java variable name -> id of the snippet Kotlin's value made

    public JShellInterpreter(Config config) {
        this.config = config;
    }

    private final java.util.concurrent.atomic.AtomicReference<CompletableFuture<RemoteEngine.Started>> earlyCellJvm =
            new java.util.concurrent.atomic.AtomicReference<>();

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
    public void startCellJvmEarly() {
        earlyCellJvm.compareAndSet(null, RemoteEngine.start(cellJvmOptions()));
    }

    @Override
    public synchronized void start() {
        if (ready == null) {
            ready = CompletableFuture.runAsync(this::startShell,
                    r -> Thread.ofPlatform().name("quiver-jshell-start").start(r));
        }
    }

    // ---------------------------------------------------------------------------------------
    // Lifecycle

    private static final List<String> WARM_UP = List.of("1 + 1", "String $quiverWarm(int x) { return \"v\" + x; }");

    private void startShell() {
        long t0 = System.nanoTime();
        deathReason = null;
        var out = new PrintStream(new TextForwarder(t -> output.stream("stdout", t)), true, StandardCharsets.UTF_8);
        var err = new PrintStream(new TextForwarder(t -> output.stream("stderr", t)), true, StandardCharsets.UTF_8);
        var display = new DisplayChannel(new DisplayChannel.Listener() {
            @Override
            public void display(MimeBundle bundle, String id, boolean update) {
                output.display(bundle, id, update);
            }

            @Override
            public void clear(boolean wait) {
                output.clear(wait);
            }
        });
        var remoteOptions = cellJvmOptions();
        var engine = new RemoteEngine(display, c -> control = c, why -> deathReason = why, earlyCellJvm.getAndSet(null));
        var js = JShell.builder()
                .out(out).err(err).in(stdin)
                .executionEngine(engine, Map.of())
                .remoteVMOptions(remoteOptions.toArray(String[]::new))
                .build();
        // The cell JVM is starting in the background now (RemoteEngine): the imports compile meanwhile.
        // Not a --class-path compiler option: that would hide what %classpath and %maven add later.
        // (The cell JVM has it on its own class path already; its loader asks that one first.)
        js.addToClasspath(config.classPath());
        quick = attachQuickCells(js);
        // JShell closes itself when its engine ends (System.exit in a cell, a crash).
        js.onShutdown(closed -> {
            if (deathReason == null) {
                deathReason = "the cell JVM ended";
            }
        });
        // Meanwhile, on the other core: JShell's source analysis (which splits cells) made and
        // warmed, its class-path indexer held until the first cell is done (see holdIndexer).
        var analysis = Thread.ofPlatform().daemon().name("quiver-analysis-warm-up").start(() -> {
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
        for (var cell : WARM_UP) {
            if (cellWaiting) {
                break;
            }
            run(js, cell, 0, NO_OUTPUT);
            warmed++;
        }
        js.snippets().filter(sn -> !before.contains(sn.id())).toList().forEach(js::drop);
        kotlinLoaded = false;
        fromKotlin.clear();
        shell = js;
        long now = System.nanoTime();
        // CPU time too: on a busy machine the wall times say more about the neighbours than about us.
        long cpu = ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toMillis).orElse(-1L);
        dev.quiver.kernel.server.Log.info(String.format(Locale.ROOT,
                "cell JVM ready in %d ms (imports compiled after %d ms, cell JVM up after %d ms, warm-up %d ms%s; kernel JVM CPU so far %d ms)",
                (now - t0) / 1_000_000, (imported - t0) / 1_000_000, (launched - t0) / 1_000_000, (now - launched) / 1_000_000,
                warmed < WARM_UP.size() ? String.format(Locale.ROOT, ", cut short after %d of %d cells for a waiting request", warmed, WARM_UP.size()) : "",
                cpu));
        if (!cellWaiting) {
            releaseStartupHold();      // no cell to make way for: index while the user types
        }
        cellWaiting = false;
    }

    // Lets JShell's indexer go on (it is one thread for every JShell in this JVM: a hold never
    // released would stop the indexing of the next cell JVM's shell too).
    private static void resume(AutoCloseable hold) {
        try {
            hold.close();
        } catch (Exception ignored) {
            // JShell's indexer: nothing to do if it cannot be resumed
        }
    }

    private void releaseStartupHold() {
        var hold = startupIndexHold;
        startupIndexHold = null;
        if (hold != null) {
            resume(hold);
        }
    }

    private static volatile boolean quickCellsReported;

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
                dev.quiver.kernel.server.Log.info("quick cells are off, every cell goes through JShell's pipeline"
                        + " (the kernel JVM needs the flags in the pom's quiver.kernel.jvm.flags): " + e);
            }
            return null;
        }
    }

    /**
     * The default imports as one snippet, not one each. JShell takes one snippet per eval, but an
     * import snippet's text goes whole into every later compilation unit, so one snippet of
     * several import lines imports them all, for one compilation instead of about 25 of a cold
     * javac (most of a kernel's start). It leads with {@code import java.lang.*;}, which changes
     * nothing: JShell names an import snippet after its first line, and a user's {@code import}
     * of the same name would replace the whole snippet, so that name must be one nobody types.
     * If the group is rejected (a package missing), the lines go one at a time, as before.
     */
    static void importDefaults(JShell js, List<String> lines) {
        if (lines.isEmpty()) {
            return;
        }
        var group = FOLDED_IMPORTS_LEAD + "\n" + String.join("\n", lines);
        var events = js.eval(group);
        if (events.stream().noneMatch(e -> e.causeSnippet() == null && e.status() == Snippet.Status.REJECTED)) {
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

    static final String FOLDED_IMPORTS_LEAD = "import java.lang.*;";

    private JShell awaitShell() {
        start();
        if (!ready.isDone()) {
            cellWaiting = true;
        }
        ready.join();
        return shell;
    }

    /** Blocks until the JVM that runs cells is up; throws when it could not start. */
    public void awaitReady() {
        awaitShell();
    }

    @Override
    public void close() {
        releaseStartupHold();
        var js = shell;
        if (js != null) {
            try {
                js.close();
            } catch (RuntimeException ignored) {
                // closing a dead shell
            }
        }
        var c = control;
        if (c != null) {
            c.process().destroyForcibly();
        }
        interrupter.shutdownNow();
    }

    @Override
    public String languageVersion() {
        return Integer.toString(Runtime.version().feature());
    }

    // ---------------------------------------------------------------------------------------
    // Execute

    private static Outcome cellJvmDidNotStart(RuntimeException e) {
        return new Outcome.Error("KernelError", "the JVM that runs cells did not start: " + e.getMessage(),
                List.of("The JVM that runs cells did not start: " + e));
    }

    @Override
    public Outcome execute(String code, int executionCount, Output out) {
        JShell js;
        try {
            js = awaitShell();
        } catch (RuntimeException e) {
            return cellJvmDidNotStart(e);
        }
        return run(js, code, executionCount, out);
    }

    private Outcome run(JShell js, String code, int executionCount, Output out) {
        output = out;
        interrupted = false;
        stdin.discard();
        var help = code.strip();
        if (help.endsWith("?") && !help.endsWith("??") && help.indexOf('\n') < 0 && help.length() > 1) {
            // "Math.max?" asks for help, as in IPython: the documentation goes to the pager.
            var name = help.substring(0, help.length() - 1);
            var doc = inspect(name, name.length(), 0);
            return new Outcome.Ok(null, doc.found() ? doc.bundle() : MimeBundle.text("no documentation found for " + name));
        }
        var sca = js.sourceCodeAnalysis();
        var values = new ArrayList<Snippet>();
        var indexing = QuickCells.pauseIndexing(sca);
        try {
            return runPieces(js, code, executionCount, out, sca, values);
        } finally {
            forgetValues(js, values);
            resume(indexing);
            releaseStartupHold();
        }
    }

    private Outcome runPieces(JShell js, String code, int executionCount, Output out, SourceCodeAnalysis sca, List<Snippet> values) {
        String shown = null;        // the value string of the last piece, when it has one to show
        for (var piece : Pieces.split(sca, code)) {
            if (interrupted) {
                return interruptedOutcome();
            }
            var q = quick;
            var compiled = q == null ? null : q.compile(piece.source());
            if (compiled != null) {
                var ran = runQuick(q, compiled, piece, code, executionCount);
                if (ran instanceof QuickRun.Failed(var failure)) {
                    return failure;
                }
                shown = ((QuickRun.Done) ran).valueString();
                continue;
            }
            List<SnippetEvent> events;
            try {
                events = js.eval(piece.source());
            } catch (IllegalStateException e) {
                return restartAfterDeath();
            }
            if (deathReason != null || control == null) {
                return restartAfterDeath();
            }
            for (var e : events) {
                if (e.causeSnippet() != null) {
                    continue;
                }
                snippetPlace.put(e.snippet().id(), new int[] {executionCount, piece.line(code)});
                if (e.snippet() instanceof VarSnippet v && v.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND) {
                    values.add(v);
                }
                if (e.status() == Snippet.Status.REJECTED) {
                    return compileError(js, e.snippet(), piece, code, executionCount);
                }
                if (interrupted) {
                    return interruptedOutcome();
                }
                if (e.exception() != null) {
                    return runtimeError(Thrown.of(e.exception(), this::unresolvedMessage));
                }
                if (e.status() == Snippet.Status.RECOVERABLE_DEFINED || e.status() == Snippet.Status.RECOVERABLE_NOT_DEFINED) {
                    var missing = js.unresolvedDependencies((jdk.jshell.DeclarationSnippet) e.snippet()).toList();
                    out.stream("stderr", "note: " + e.snippet().source().strip().lines().findFirst().orElse("")
                            + " can be used once " + String.join(", ", missing) + " is defined\n");
                }
                shown = hasValue(e) ? e.value() : null;
            }
        }
        if (interrupted) {
            return interruptedOutcome();
        }
        return new Outcome.Ok(shown != null ? render(shown) : null);
    }

    /** How a quick piece ended: its value string (null: nothing to show), or the cell's outcome. */
    private sealed interface QuickRun {
        record Done(String valueString) implements QuickRun {
        }

        record Failed(Outcome outcome) implements QuickRun {
        }
    }

    private final java.util.concurrent.atomic.AtomicInteger quickIds = new java.util.concurrent.atomic.AtomicInteger();

    // Loads a quick piece's class into the cell JVM and runs it through JShell's execution engine.
    private QuickRun runQuick(QuickCells q, QuickCells.Compiled compiled, Pieces.Piece piece, String code, int executionCount) {
        var c = control;
        if (c == null || deathReason != null) {
            return new QuickRun.Failed(restartAfterDeath());
        }
        var id = "q" + quickIds.incrementAndGet();     // also counts the quick pieces run (see quickPiecesRun)
        snippetPlace.put(id, new int[] {executionCount, piece.line(code)});
        try {
            String value;
            if (compiled.loaded()) {
                value = c.invoke(compiled.className(), "do_it$");
            } else {
                value = c.loadAndRun(compiled.classes(), compiled.className());
                q.markLoaded(compiled);
            }
            return interrupted ? new QuickRun.Failed(interruptedOutcome()) : new QuickRun.Done(value);
        } catch (ExecutionControl.StoppedException e) {
            q.markLoaded(compiled);
            return new QuickRun.Failed(interruptedOutcome());
        } catch (ExecutionControl.EngineTerminationException e) {
            return new QuickRun.Failed(restartAfterDeath());
        } catch (ExecutionControl.UserException | ExecutionControl.ResolutionException e) {
            q.markLoaded(compiled);      // loaded, then it threw
            if (interrupted) {
                return new QuickRun.Failed(interruptedOutcome());
            }
            return new QuickRun.Failed(runtimeError(Thrown.of(e, frames -> q.translate(frames, compiled, id), re -> {
                var snippet = q.snippetOfKey(re.id());
                return snippet != null ? unresolvedMessage(snippet) : "the cell calls something not defined yet";
            })));
        } catch (ExecutionControl.ExecutionControlException e) {
            if (deathReason != null) {
                return new QuickRun.Failed(restartAfterDeath());
            }
            return new QuickRun.Failed(new Outcome.Error("KernelError", "running the cell failed: " + e,
                    List.of("Running the cell failed: " + e)));
        }
    }

    /** The quick cells in use, or null (for tests). */
    QuickCells quickCells() {
        return quick;
    }

    /** How many pieces took the quick path so far (for tests). */
    int quickPiecesRun() {
        return quickIds.get();
    }

    // "f() uses something not defined yet: g" for a snippet that calls what is not defined.
    private String unresolvedMessage(jdk.jshell.DeclarationSnippet snippet) {
        return snippet.source().strip().lines().findFirst().orElse("") + " uses something not defined yet: "
                + String.join(", ", shell.unresolvedDependencies(snippet).toList());
    }

    /**
     * Drops the {@code $1}, {@code $2}... variables JShell makes of a cell's expression values,
     * once the cell is done. Why: JShell imports every live variable into every later snippet's
     * compilation, and javac reads each one's class again each time, so a notebook's cells grew
     * slower with each expression cell run before (about 20 ms more per cell after 300 of them);
     * and each kept its value (a tensor, a chart) from the garbage collector for good. The
     * notebook never shows these names: the value is the cell's output, and a variable the user
     * declares is kept as always.
     */
    private static void forgetValues(JShell js, List<Snippet> values) {
        for (var v : values) {
            try {
                if (js.status(v).isActive()) {
                    js.drop(v);
                }
            } catch (IllegalStateException | IllegalArgumentException ignored) {
                // the shell is closed (the cell JVM ended): nothing left to drop
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Kotlin cells: the Kotlin REPL (quiver-kotlin's KotlinCells) runs in the cell JVM, called
    // from a JShell snippet, so it shares the thread, streams, display, stdin and interrupt of Java cells.

    private static final String NO_VALUE = CellLanguages.NO_VALUE_STRING;

    @Override
    public Outcome executeKotlin(String code, int executionCount, Output out) {
        JShell js;
        try {
            js = awaitShell();
        } catch (RuntimeException e) {
            return cellJvmDidNotStart(e);
        }
        if (config.kotlinClassPath() == null || config.kotlinClassPath().isBlank()) {
            return new Outcome.Error("NotSupported", "Kotlin cells need the quiver-kotlin module (quiver.kotlin.classpath is not set)",
                    List.of("Kotlin cells need the quiver-kotlin module (quiver.kotlin.classpath is not set)"));
        }
        output = out;
        interrupted = false;
        stdin.discard();
        if (!kotlinLoaded) {
            js.addToClasspath(config.kotlinClassPath());
            var q = quick;
            if (q != null) {
                q.forgetLoaded();
            }
            kotlinLoaded = true;
        }
        // Java variables offered to Kotlin: valid ones the user declared (not those made from Kotlin values).
        var names = new ArrayList<String>();
        var types = new ArrayList<String>();
        js.variables().filter(v -> js.status(v) == Snippet.Status.VALID && !v.name().startsWith("$"))
                .filter(v -> !v.id().equals(fromKotlin.get(v.name())))
                .forEach(v -> {
                    names.add(v.name());
                    types.add(v.typeName());
                });
        var imports = config.startup().stream().map(String::strip)
                .filter(l -> l.startsWith("import dev.quiver.") || l.startsWith("import static dev.quiver."))
                .map(l -> l.replaceFirst("^import\\s+(static\\s+)?", "").replace(";", "").strip())
                .map(l -> "\"" + l + "\"").toList();
        var call = CellLanguages.class.getName() + ".eval(" + javaString("kotlin") + ", " + javaString(code) + ", " + executionCount
                + ", new String[] {" + String.join(", ", imports) + "}"
                + ", new String[] {" + String.join(", ", names.stream().map(JShellInterpreter::javaString).toList()) + "}"
                + ", new String[] {" + String.join(", ", types.stream().map(JShellInterpreter::javaString).toList()) + "}"
                + ", new Object[] {" + String.join(", ", names) + "})";
        List<SnippetEvent> events;
        try {
            events = js.eval(call);
        } catch (IllegalStateException e) {
            return restartAfterDeath();
        }
        if (deathReason != null || control == null) {
            return restartAfterDeath();
        }
        MimeBundle result = null;
        Outcome failure = null;
        for (var e : events) {
            if (e.causeSnippet() != null) {
                continue;
            }
            if (e.status() == Snippet.Status.REJECTED) {
                var diags = js.diagnostics(e.snippet()).map(d -> d.getMessage(Locale.ROOT)).toList();
                failure = new Outcome.Error("KernelError", "could not call the Kotlin host: " + diags, List.of("could not call the Kotlin host:\n" + String.join("\n", diags)));
            } else if (interrupted) {
                failure = interruptedOutcome();
            } else if (e.exception() instanceof EvalException ee && ee.getExceptionClassName().equals(CellCompilationError.class.getName())) {
                var message = ee.getMessage() == null ? "" : ee.getMessage();
                var first = message.lines().findFirst().orElse("").replaceAll("\u001b\\[[0-9;]*m", "");
                failure = new Outcome.Error("CompilationError", first, message.lines().toList());
            } else if (e.exception() != null) {
                failure = runtimeError(Thrown.of(e.exception(), this::unresolvedMessage));
            } else if (e.value() != null && !e.value().equals(NO_VALUE)) {
                result = render(e.value());
            }
            js.drop(e.snippet());
        }
        declarePublished(js);
        if (failure != null) {
            return failure;
        }
        return new Outcome.Ok(result);
    }

    // Kotlin's new top-level properties become Java variables of their Java types, read from Shared.
    private void declarePublished(JShell js) {
        String published;
        try {
            published = control.publishedByKotlin();
        } catch (Exception e) {
            return;
        }
        if (published == null || published.isBlank()) {
            return;
        }
        for (var line : published.split("\n")) {
            int tab = line.indexOf('\t');
            var name = line.substring(0, tab);
            var type = line.substring(tab + 1);
            var src = type + " " + name + " = (" + type + ") dev.quiver.agent.Shared.get(" + javaString(name) + ");";
            var events = js.eval(src);
            for (var e : events) {
                if (e.causeSnippet() == null && e.snippet() instanceof VarSnippet v && e.status() == Snippet.Status.VALID) {
                    fromKotlin.put(v.name(), v.id());
                } else if (e.causeSnippet() == null && e.status() == Snippet.Status.REJECTED && !type.equals("Object")) {
                    // The Java compiler cannot name that type here: share it as an Object.
                    for (var e2 : js.eval("Object " + name + " = dev.quiver.agent.Shared.get(" + javaString(name) + ");")) {
                        if (e2.causeSnippet() == null && e2.snippet() instanceof VarSnippet v2) {
                            fromKotlin.put(v2.name(), v2.id());
                        }
                    }
                }
            }
        }
    }

    static String javaString(String s) {
        var b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static boolean hasValue(SnippetEvent e) {
        if (e.value() == null || e.status() != Snippet.Status.VALID) {
            return false;
        }
        return switch (e.snippet()) {
            case ExpressionSnippet x -> !x.typeName().equals("void") && !isPrintChaining(x.typeName());
            case VarSnippet v -> v.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND
                    && !isPrintChaining(v.typeName());
            default -> false;
        };
    }

    /**
     * {@code System.out.printf(...)} returns the stream so calls can chain; as a cell's last line
     * that would show {@code java.io.PrintStream@1a2b}, which nobody wants to see.
     */
    private static boolean isPrintChaining(String typeName) {
        return typeName.equals("PrintStream") || typeName.equals("java.io.PrintStream");
    }

    private MimeBundle render(String valueString) {
        try {
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

    private Outcome interruptedOutcome() {
        return new Outcome.Error("Interrupted", "the cell was interrupted; variables defined before keep their values",
                List.of("Interrupted: the cell was stopped. Variables defined before keep their values."));
    }

    private Outcome restartAfterDeath() {
        var c = control;
        String exit = "";
        if (c != null) {
            try {
                c.process().waitFor(2, java.util.concurrent.TimeUnit.SECONDS);
                exit = " with status " + c.process().exitValue();
            } catch (Exception ignored) {
                // still going: close() kills it
            }
        }
        var message = "The JVM running the cells exited" + exit
                + " (System.exit or a crash). Its variables are gone; a fresh one has been started.";
        close0();
        ready = CompletableFuture.runAsync(this::startShell, r -> Thread.ofPlatform().name("quiver-jshell-start").start(r));
        return new Outcome.Error("JvmExited", message, List.of(message));
    }

    private void close0() {
        releaseStartupHold();
        var js = shell;
        shell = null;
        if (js != null) {
            try {
                js.close();
            } catch (RuntimeException ignored) {
                // already dead
            }
        }
        var c = control;
        control = null;
        if (c != null) {
            c.process().destroyForcibly();
        }
    }

    private Outcome compileError(JShell js, Snippet snippet, Pieces.Piece piece, String code, int cell) {
        var lines = new ArrayList<String>();
        String first = null;
        for (Diag d : js.diagnostics(snippet).toList()) {
            if (!d.isError()) {
                continue;
            }
            long pos = d.getStartPosition() >= 0 ? d.getStartPosition() : d.getPosition();
            int cellPos = piece.start() + (int) Math.max(0, Math.min(pos, piece.source().length()));
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < Math.min(cellPos, code.length()); i++) {
                if (code.charAt(i) == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            int lineEnd = code.indexOf('\n', lineStart);
            var text = code.substring(lineStart, lineEnd < 0 ? code.length() : lineEnd);
            int column = cellPos - lineStart + 1;
            // javac's "location: class" names JShell's wrapper class, which means nothing to the user.
            var messageLines = d.getMessage(Locale.ROOT).lines()
                    .filter(l -> !l.strip().startsWith("location: class")).toList();
            var message = messageLines.isEmpty() ? "error" : messageLines.getFirst();
            if (first == null) {
                first = message;
            }
            lines.add("\u001b[31mcell [" + cell + "] line " + line + ", column " + column + ": " + message + "\u001b[0m");
            messageLines.stream().skip(1).forEach(l -> lines.add("  " + l.strip()));
            lines.add("    " + text);
            lines.add("    " + " ".repeat(Math.max(0, Math.min(column - 1, text.length()))) + "^");
        }
        if (first == null) {
            first = "the snippet was rejected: " + snippet.source().strip();
            lines.add(first);
        }
        return new Outcome.Error("CompilationError", first, lines);
    }

    private Outcome runtimeError(Thrown thrown) {
        var lines = new ArrayList<String>();
        boolean firstLine = true;
        for (var t = thrown; t != null; t = t.cause()) {
            lines.add((firstLine ? "\u001b[31m" : "Caused by: \u001b[31m") + t.className()
                    + (t.message() == null ? "" : ": " + t.message()) + "\u001b[0m");
            for (var frame : t.frames()) {
                lines.add("\tat " + describe(frame));
            }
            firstLine = false;
        }
        return new Outcome.Error(thrown.className(), thrown.message() == null ? "" : thrown.message(), lines);
    }

    // JShell names a snippet's frames after its id ("#12"); say which cell and line that is.
    private String describe(StackTraceElement f) {
        var file = f.getFileName();
        if (file != null && file.startsWith("kotlin cell [")) {
            var where = file.substring("kotlin ".length()) + ", line " + f.getLineNumber();
            return f.getMethodName().isEmpty() ? where : f.getMethodName() + " (" + where + ")";
        }
        if (file != null && file.startsWith("#")) {
            var place = snippetPlace.get(file.substring(1));
            var where = place != null
                    ? "cell [" + place[0] + "], line " + (place[1] + Math.max(1, f.getLineNumber()) - 1)
                    : "snippet " + file + ", line " + f.getLineNumber();
            return f.getMethodName().isEmpty() || f.getMethodName().equals("do_it$") ? where : f.getMethodName() + " (" + where + ")";
        }
        return f.toString();
    }

    @Override
    public boolean addToClasspath(String path) {
        awaitShell().addToClasspath(path);
        var q = quick;
        if (q != null) {
            q.forgetLoaded();
        }
        return true;
    }

    // ---------------------------------------------------------------------------------------
    // Interrupt and stdin

    @Override
    public void interrupt() {
        interrupted = true;
        stdinWaiter.cancel();
        var c = control;
        if (c == null) {
            return;
        }
        interrupter.execute(() -> {
            try {
                c.stop();
            } catch (Exception e) {
                System.err.println("quiver kernel: interrupt failed: " + e);
            }
        });
    }

    private final StdinWaiter stdinWaiter = new StdinWaiter();

    /** Lets an interrupt end a wait for the user's input. */
    private static final class StdinWaiter {
        private volatile Thread waiting;

        void cancel() {
            var t = waiting;
            if (t != null) {
                t.interrupt();
            }
        }
    }

    private String askForLine() {
        if (interrupted) {
            return null;
        }
        stdinWaiter.waiting = Thread.currentThread();
        try {
            return output.input("", false);
        } finally {
            stdinWaiter.waiting = null;
            Thread.interrupted();
        }
    }

    // ---------------------------------------------------------------------------------------
    // Completion, inspection, completeness

    @Override
    public Completion complete(String code, int cursor) {
        var js = awaitShell();
        var sca = js.sourceCodeAnalysis();
        var region = Pieces.regionAt(sca, code, cursor);
        int[] anchor = new int[1];
        var matches = new LinkedHashSet<String>();
        var suggestions = sca.completionSuggestions(region.text(), cursor - region.start(), anchor);
        suggestions.stream().filter(SourceCodeAnalysis.Suggestion::matchesType).forEach(s -> matches.add(s.continuation()));
        suggestions.forEach(s -> matches.add(s.continuation()));
        releaseStartupHold();      // a completion that waited for the start: the indexer may go on now
        return new Completion(List.copyOf(matches), region.start() + anchor[0], cursor);
    }

    @Override
    public Inspection inspect(String code, int cursor, int detailLevel) {
        var js = awaitShell();
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
        return new Inspection(true, MimeBundle.text(plain.toString().strip()).with(MimeBundle.TEXT_HTML, html.toString()));
    }

    @Override
    public Completeness isComplete(String code) {
        var js = awaitShell();
        return Pieces.completeness(js.sourceCodeAnalysis(), code);
    }
}
