package dev.quiver.kernel.jshell;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.tools.javac.api.JavacTaskImpl;
import com.sun.tools.javac.api.JavacTaskPool;
import com.sun.tools.javac.code.ClassFinder;
import com.sun.tools.javac.code.Symtab;
import com.sun.tools.javac.util.Names;
import dev.quiver.agent.CellCall;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.spi.ExecutionControl.ClassBytecodes;

/**
 * Compiles a cell piece that declares nothing (an expression, a call, a loop) in one pass of the
 * Java compiler, instead of JShell's five.
 *
 * <h2>Why</h2>
 *
 * For {@code 1 + 1} JShell parses the snippet, type-checks it twice to learn its type and to
 * declare a {@code $1} variable of that type, type-checks the variable's class, and compiles it:
 * five compiler runs, each over every import and every live declaration. That is about 85% of a
 * warm cell's time. Such a cell leaves nothing behind that JShell must track (the kernel drops
 * {@code $1} once the cell is done), so here it becomes one class, {@code REPL.$Quiver$N}, with a
 * {@code do_it$} method, compiled once against JShell's own imports and snippet classes, loaded
 * into the cell JVM and run through the same execution engine as JShell's snippets (same output
 * streams, interrupt and value rendering).
 *
 * <h2>What takes this path</h2>
 *
 * An expression, or a statement that starts with {@code if}, {@code for}, {@code while}, {@code
 * do}, {@code try}, {@code switch}, {@code synchronized}, {@code throw} or a block. Anything else
 * (declarations, imports, {@code return}) goes to JShell, and so does any piece this path fails to
 * compile: JShell then reports the error exactly as before. A call whose type may be {@code void}
 * becomes {@code CellCall.of(() -> call)} (see {@link CellCall}).
 *
 * <h2>What it borrows from JShell</h2>
 *
 * JShell keeps no public API for its import lines, its file manager (the snippets' class files) or
 * its compiler contexts, so these are read reflectively (the kernel JVM opens {@code jdk.jshell} to
 * us). The compile runs in JShell's own pool of compiler contexts, with the options of JShell's
 * compile step, so it shares the context JShell warmed (the first cell's symbols are already read)
 * and removes the {@code REPL} package's symbols afterwards, as JShell does. If any of these
 * internals is missing (another JDK), {@link #attach} says why and every cell goes through JShell
 * as before.
 *
 * <p>{@code -Dquiver.quickCells.debug=true} on the kernel JVM logs each piece this path could not
 * compile, with the generated source and the compiler's messages.
 */
final class QuickCells {

  static final String CLASS_PREFIX = "$Quiver$";
  private static final boolean DEBUG = Boolean.getBoolean("quiver.quickCells.debug");
  private static final List<String> OPTIONS =
      List.of("-Xlint:unchecked,-strictfp", "-proc:none", "-parameters", CellJvm.DEBUG_INFO);
  static final String CELL_CALL = CellCall.class.getName();

  /**
   * A piece compiled and ready to run.
   *
   * @param className the class to invoke {@code do_it$} on
   * @param classes its class files (more than one when the piece has an anonymous class); null when
   *     the cell JVM has loaded them already (the same piece run again)
   * @param firstLine the line of the generated source the piece starts on (1-based)
   * @param key what it was compiled from: JShell's imports and declarations, and the piece
   */
  record Compiled(String className, ClassBytecodes[] classes, int firstLine, String key) {
    boolean loaded() {
      return classes == null;
    }
  }

  /**
   * Pieces run before, by what they were compiled from, whose classes the cell JVM has loaded.
   * Running the same cell again (a notebook's most common act after editing another) against the
   * same imports and declarations needs no compile: the header names every snippet class and member
   * the piece can see, and JShell gives a changed declaration a new class name, so an unchanged
   * header means the loaded class still means what the piece says. A class-path change ({@link
   * #forgetLoaded}) can change what an import names, so it clears them.
   */
  private final java.util.Map<String, Compiled> loaded =
      new java.util.LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, Compiled> eldest) {
          return size() > 256;
        }
      };

  private final Object taskFactory;
  private final Field taskPool;
  private final JavaFileManager fileManager;
  private final Object maps;
  private final Method importsExcept;
  private final Object outerMap;
  private final Method getOuter;
  private final Field classObjects; // MemoryFileManager: class name -> class file written
  private final Method getBytes; // OutputMemoryJavaFileObject: its bytes
  private final AtomicInteger next = new AtomicInteger();

  private QuickCells(
      Object taskFactory,
      Field taskPool,
      JavaFileManager fileManager,
      Object maps,
      Method importsExcept,
      Object outerMap,
      Method getOuter,
      Field classObjects,
      Method getBytes) {
    this.classObjects = classObjects;
    this.getBytes = getBytes;
    this.taskFactory = taskFactory;
    this.taskPool = taskPool;
    this.fileManager = fileManager;
    this.maps = maps;
    this.importsExcept = importsExcept;
    this.outerMap = outerMap;
    this.getOuter = getOuter;
  }

  /** Quick cells for this shell, or an exception whose message says why they cannot be had. */
  static QuickCells attach(JShell js) throws ReflectiveOperationException, LinkageError {
    var taskFactory = field(JShell.class, "taskFactory").get(js);
    var taskPool = field(taskFactory.getClass(), "javacTaskPool");
    if (!(taskPool.get(taskFactory) instanceof JavacTaskPool)) {
      throw new NoSuchFieldException("JShell's javacTaskPool is not a JavacTaskPool");
    }
    var fileManagerMethod = taskFactory.getClass().getDeclaredMethod("fileManager");
    fileManagerMethod.setAccessible(true);
    var fileManager = (JavaFileManager) fileManagerMethod.invoke(taskFactory);
    var maps = field(JShell.class, "maps").get(js);
    var importsExcept =
        maps.getClass().getDeclaredMethod("packageAndImportsExcept", Set.class, Collection.class);
    importsExcept.setAccessible(true);
    var outerMap = field(JShell.class, "outerMap").get(js);
    var getOuter = outerMap.getClass().getDeclaredMethod("getOuter", String.class);
    getOuter.setAccessible(true);
    var classObjects = field(fileManager.getClass(), "classObjects");
    var output = Class.forName(fileManager.getClass().getName() + "$OutputMemoryJavaFileObject");
    var getBytes = output.getDeclaredMethod("getBytes");
    getBytes.setAccessible(true);
    var quick =
        new QuickCells(
            taskFactory,
            taskPool,
            fileManager,
            maps,
            importsExcept,
            outerMap,
            getOuter,
            classObjects,
            getBytes);
    quick.header(); // fails now, not in a cell, if the method's signature changed
    return quick;
  }

  private static Field field(Class<?> owner, String name) throws NoSuchFieldException {
    var f = owner.getDeclaredField(name);
    f.setAccessible(true);
    return f;
  }

  // "package REPL;" and the import lines JShell compiles every snippet with: its imports and one
  // "import static" per live declaration.
  private String header() throws ReflectiveOperationException {
    return header(null);
  }

  /** The same, without the import lines of the declarations of these keys (JShell's Key). */
  String header(Set<?> except) throws ReflectiveOperationException {
    return (String) importsExcept.invoke(maps, except, null);
  }

  /**
   * The piece compiled, or null when it is not for this path or does not compile here (then JShell
   * evaluates it, and reports any error itself).
   */
  Compiled compile(String piece) {
    var body = QuickCellBodies.body(piece);
    if (body == null) {
      return null;
    }
    String header;
    try {
      header = header();
    } catch (ReflectiveOperationException e) {
      return null;
    }
    var key = header + "\u0000" + piece;
    synchronized (loaded) {
      var again = loaded.get(key);
      if (again != null) {
        return again;
      }
    }
    var className = CLASS_PREFIX + next.incrementAndGet();
    // Only the import lines the piece can use (MethodEdits.namedIn, the same number of lines): a
    // piece that does not compile with them goes to JShell, with every import. The key above keeps
    // the whole header: what a loaded class means depends on every declaration.
    var source =
        MethodEdits.namedIn(header, piece)
            + "\nclass "
            + className
            + " {\npublic static Object do_it$() throws Throwable {\n"
            + body.text()
            + "\n}\n}\n";
    int firstLine = 1;
    for (int i = 0, end = header.length(); i < end; i++) {
      if (header.charAt(i) == '\n') {
        firstLine++;
      }
    }
    firstLine +=
        3 + body.leadLines(); // "class ...", "public static Object do_it$...", then the body's lead
    var diagnostics = new DiagnosticCollector<JavaFileObject>();
    var outputs = compileClass(className, source, diagnostics);
    boolean ok = outputs != null;
    if (!ok || outputs.isEmpty()) {
      if (DEBUG) {
        System.err.println(
            "quiver kernel: quick cell not compiled ("
                + (ok ? "no class file" : "errors")
                + "), JShell takes it: "
                + diagnostics.getDiagnostics()
                + "\n"
                + source);
      }
      return null;
    }
    return new Compiled(
        "REPL." + className, outputs.toArray(ClassBytecodes[]::new), firstLine, key);
  }

  /**
   * Compiles {@code source}, which declares the class {@code REPL.className}, in JShell's compiler
   * context and file manager with the options of JShell's compile step: its class files (the class
   * and its nested ones), taken out of JShell's file manager, or null when it does not compile
   * ({@code diagnostics} says why). Class files JShell keeps there under the same names (a
   * snippet's class compiled again) are put back as they were.
   */
  List<ClassBytecodes> compileClass(
      String className, String source, DiagnosticCollector<JavaFileObject> diagnostics) {
    return compileClass(className, source, diagnostics, null);
  }

  /**
   * {@link #compileClass(String, String, DiagnosticCollector)}, where {@code analyzed} (if not
   * null) sees the attributed trees before code is generated (false: no class files, null
   * returned), and the class files, copied out, also stay in JShell's file manager, so that
   * JShell's own compiles can use the class.
   */
  List<ClassBytecodes> compileClass(
      String className,
      String source,
      DiagnosticCollector<JavaFileObject> diagnostics,
      java.util.function.BiPredicate<JavacTaskImpl, Iterable<? extends CompilationUnitTree>>
          analyzed) {
    var file =
        new SimpleJavaFileObject(
            URI.create("quiver:///REPL/" + className + ".java"), JavaFileObject.Kind.SOURCE) {
          @Override
          public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return source;
          }
        };
    var outputs = new ArrayList<ClassBytecodes>();
    boolean ok;
    synchronized (
        taskFactory) { // JShell's own compiles hold this lock: they share the file manager
      JavacTaskPool pool;
      try {
        pool = (JavacTaskPool) taskPool.get(taskFactory); // replaced when the class path grows
      } catch (IllegalAccessException e) {
        return null;
      }
      // JShell's file manager, as in JShell's compiles: a pooled context's class writer keeps
      // the manager it was made with, so the class files land there whatever this task is given.
      ok =
          pool.getTask(
              null,
              fileManager,
              diagnostics,
              OPTIONS,
              null,
              List.of(file),
              task -> {
                var javac = (JavacTaskImpl) task;
                var context = javac.getContext();
                java.util.Map<Object, Object> kept = new java.util.HashMap<>();
                try {
                  kept.putAll(classFiles("REPL." + className, false));
                  if (analyzed != null) {
                    var units = javac.parse();
                    javac.analyze();
                    if (diagnostics.getDiagnostics().stream()
                            .anyMatch(d -> d.getKind() == Diagnostic.Kind.ERROR)
                        || !analyzed.test(javac, units)) {
                      return false;
                    }
                  }
                  javac.generate();
                  outputs.addAll(takeClassFiles("REPL." + className, analyzed == null));
                  return diagnostics.getDiagnostics().stream()
                      .noneMatch(d -> d.getKind() == Diagnostic.Kind.ERROR);
                } catch (RuntimeException | ReflectiveOperationException e) {
                  if (DEBUG) {
                    e.printStackTrace();
                  }
                  return false;
                } finally {
                  putBack(kept);
                  // As JShell does after each compile: forget the REPL package's classes, so the
                  // next compile reads the snippets' class files as they are then.
                  var symbols = Symtab.instance(context);
                  var module =
                      symbols.java_base == symbols.noModule
                          ? symbols.noModule
                          : symbols.unnamedModule;
                  var repl = symbols.getPackage(module, Names.instance(context).fromString("REPL"));
                  if (repl != null) {
                    for (var c : symbols.getAllClasses()) {
                      if (c.packge() == repl) {
                        symbols.removeClass(module, c.flatName());
                      }
                    }
                    repl.members_field = null;
                    repl.completer = ClassFinder.instance(context).getCompleter();
                  }
                }
              });
    }
    return ok ? outputs : null;
  }

  /**
   * Holds JShell's class-path indexing (for completion) while a cell runs, as {@code JShell.eval}
   * does for its own snippets: the indexer starts with the first cell and would otherwise take a
   * core from it (about 150 ms of CPU at a kernel's start). It goes on between cells.
   */
  static AutoCloseable pauseIndexing(jdk.jshell.SourceCodeAnalysis sca) {
    var methods = IndexingMethods.of(sca.getClass());
    if (methods == null) {
      return () -> {};
    }
    try {
      methods.suspend().invoke(sca);
      return () -> methods.resume().invoke(sca);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return () -> {};
    }
  }

  // SourceCodeAnalysisImpl's suspendIndexing/resumeIndexing, looked up once (this runs every cell).
  private record IndexingMethods(Class<?> owner, Method suspend, Method resume) {
    private static volatile IndexingMethods found;

    static IndexingMethods of(Class<?> owner) {
      var known = found;
      if (known != null && known.owner() == owner) {
        return known;
      }
      try {
        var suspend = owner.getMethod("suspendIndexing");
        var resume = owner.getMethod("resumeIndexing");
        suspend.setAccessible(true);
        resume.setAccessible(true);
        return found = new IndexingMethods(owner, suspend, resume);
      } catch (ReflectiveOperationException | RuntimeException e) {
        return null;
      }
    }
  }

  /**
   * Keeps JShell's indexer from starting until the hold is closed (or 30 s have passed). The
   * indexer checks for a pause only between class-path entries, and the first one it indexes is the
   * JDK itself (about 200 ms of CPU), which it would do right at a kernel's start, next to the
   * default imports' compile. So the hold is a task queued on the indexer's one thread (shared by
   * every shell in this JVM) ahead of the shell's own first indexing; make the hold before the
   * shell's source analysis.
   */
  static AutoCloseable holdIndexer() {
    try {
      var field = Class.forName("jdk.jshell.SourceCodeAnalysisImpl").getDeclaredField("INDEXER");
      field.setAccessible(true);
      var indexer = (java.util.concurrent.ExecutorService) field.get(null);
      var release = new java.util.concurrent.CountDownLatch(1);
      indexer.submit(
          () -> {
            try {
              release.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
              // let the indexing go on
            }
          });
      return release::countDown;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return () -> {};
    }
  }

  /** How many pieces were compiled so far (for tests). */
  int compiledCount() {
    return next.get();
  }

  /** Notes that the cell JVM has loaded this piece's classes: the same piece can run them again. */
  void markLoaded(Compiled compiled) {
    if (!compiled.loaded()) {
      synchronized (loaded) {
        loaded.put(
            compiled.key(),
            new Compiled(compiled.className(), null, compiled.firstLine(), compiled.key()));
      }
    }
  }

  /** The class path changed: an import may name another class now, so compile every piece again. */
  void forgetLoaded() {
    synchronized (loaded) {
      loaded.clear();
    }
  }

  /**
   * The cell JVM's stack trace of an exception from a quick cell, in JShell's form: frames of the
   * piece's class name the piece ({@code file} "#" + {@code pieceId}, line within the piece),
   * frames of snippet classes name their snippet as JShell would, and the frames below the piece's
   * {@code do_it$} (the agent's) and of {@link CellCall} are left out.
   */
  StackTraceElement[] translate(StackTraceElement[] raw, Compiled compiled, String pieceId) {
    int last = raw.length - 1;
    while (last >= 0 && !raw[last].getClassName().equals(compiled.className())) {
      last--;
    }
    if (last < 0) { // the JVM cut the trace (a stack overflow) above the piece: name what is there
      last = raw.length - 1;
    }
    var frames = new ArrayList<StackTraceElement>();
    boolean inLambda = false; // CellCall.of(() -> call): the lambda's frame already names the line
    for (int i = 0; i <= last; i++) {
      var f = raw[i];
      var cls = f.getClassName();
      if (cls.equals(CELL_CALL)) {
        continue;
      }
      if (cls.equals(compiled.className()) || cls.startsWith(compiled.className() + "$")) {
        if (inLambda && f.getMethodName().equals("do_it$")) {
          continue;
        }
        inLambda |= f.getMethodName().startsWith("lambda$do_it$");
        var method =
            f.getMethodName().equals("do_it$") || f.getMethodName().startsWith("lambda$do_it$")
                ? ""
                : f.getMethodName();
        int line = Math.max(1, f.getLineNumber() - compiled.firstLine() + 1);
        frames.add(
            new StackTraceElement(cls.substring("REPL.".length()), method, "#" + pieceId, line));
        continue;
      }
      frames.add(snippetFrame(f));
    }
    return frames.toArray(StackTraceElement[]::new);
  }

  // A frame of a JShell snippet's class, named after the snippet as JShell's own traces are.
  private StackTraceElement snippetFrame(StackTraceElement f) {
    if (!f.getClassName().startsWith("REPL.$JShell$")) {
      return f;
    }
    try {
      var outer = getOuter.invoke(outerMap, f.getClassName());
      if (outer == null) {
        return f;
      }
      int wrapLine = f.getLineNumber() - 1;
      var toLine = outer.getClass().getMethod("wrapLineToSnippetLine", int.class);
      var toSnippet = outer.getClass().getMethod("wrapLineToSnippet", int.class);
      toLine.setAccessible(true);
      toSnippet.setAccessible(true);
      int line = (int) toLine.invoke(outer, wrapLine) + 1;
      var snippet = (Snippet) toSnippet.invoke(outer, wrapLine);
      var method = f.getMethodName().equals("do_it$") ? "" : f.getMethodName();
      return new StackTraceElement(
          f.getClassName().substring("REPL.".length()),
          method,
          snippet == null ? null : "#" + snippet.id(),
          line);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return f;
    }
  }

  /** The declaration JShell's engine names by its key (in a ResolutionException), or null. */
  jdk.jshell.DeclarationSnippet snippetOfKey(int key) {
    try {
      var m = maps.getClass().getDeclaredMethod("getSnippetDeadOrAlive", int.class);
      m.setAccessible(true);
      return m.invoke(maps, key) instanceof jdk.jshell.DeclarationSnippet d ? d : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The class files this compile wrote (the class and its nested ones), taken out of JShell's file
   * manager: left there, they would be listed in the REPL package, and read, by every later
   * compile.
   */
  private List<ClassBytecodes> takeClassFiles(String className, boolean take)
      throws ReflectiveOperationException {
    var taken = new ArrayList<ClassBytecodes>();
    for (var entry : classFiles(className, take).entrySet()) {
      taken.add(
          new ClassBytecodes((String) entry.getKey(), (byte[]) getBytes.invoke(entry.getValue())));
    }
    return taken;
  }

  // The file manager's class files of this class and its nested ones (removed there if take).
  private java.util.Map<Object, Object> classFiles(String className, boolean take)
      throws ReflectiveOperationException {
    var written = (java.util.Map<?, ?>) classObjects.get(fileManager);
    var found = new java.util.LinkedHashMap<Object, Object>();
    for (var it = written.entrySet().iterator(); it.hasNext(); ) {
      var entry = it.next();
      var name = (String) entry.getKey();
      if (name.equals(className) || name.startsWith(className + "$")) {
        found.put(name, entry.getValue());
        if (take) {
          it.remove();
        }
      }
    }
    return found;
  }

  @SuppressWarnings("unchecked")
  private void putBack(java.util.Map<Object, Object> kept) {
    if (!kept.isEmpty()) {
      try {
        ((java.util.Map<Object, Object>) classObjects.get(fileManager)).putAll(kept);
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
