package dev.quiver.kernel.jshell;

import dev.quiver.kernel.Interpreter.Outcome;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaFileObject;
import jdk.jshell.JShell;
import jdk.jshell.MethodSnippet;
import jdk.jshell.Snippet;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControl.ClassBytecodes;

/**
 * A method whose body changed, run in one compile: what a notebook user does most while writing
 * code (change a function, run its cell again).
 *
 * <h2>Why</h2>
 *
 * JShell takes a changed method through its whole pipeline: it parses the snippet, analyzes it once
 * to find calls to overloads, once more for its status, compiles it, and redefines its class in the
 * cell JVM: four compiler runs, each over every import and live declaration, about 20 ms of a warm
 * kernel's CPU. When only the body changed (the same header: name, parameters, return type, type
 * parameters, {@code throws}), JShell's own result is known in advance: the same snippet key, the
 * same class, redefined in place, nothing that uses the method compiled again. So here the method
 * is compiled once, as JShell's class of that name with JShell's import lines for it, in JShell's
 * compiler context, and the class is redefined through the same execution engine. Callers (snippets
 * and quick cells) see the new body at once, as they would after JShell's redefinition.
 *
 * <h2>JShell's record of the method</h2>
 *
 * JShell still holds the method's previous source. It needs the new one only when it compiles
 * again: when it evaluates anything (a declaration, an import, a statement it runs itself) it may
 * recompile the method as a dependent. So before any of JShell's own evaluations the kernel hands
 * JShell each edited method's source ({@link #sync}): JShell's usual redefinition, once, at the
 * first cell that needs JShell after a run of edits. Until then the kernel translates stack frames
 * of the edited class itself ({@link #frames}).
 *
 * <h2>What takes this path</h2>
 *
 * A method declaration without modifiers or annotations, whose name is that of exactly one live,
 * valid method of the same header (so no overloads: JShell compiles overloads that call each other
 * into one class). A body that compiles to one class file (no anonymous or local class) and that
 * the JVM can redefine in place (a new lambda adds a method, which it cannot: then JShell replaces
 * the class). Anything else goes to JShell, after {@link #sync}. A body with a compile error other
 * than a missing name is reported here and the method keeps its previous body (JShell would drop
 * the method); one that uses a name not defined yet goes to JShell, which defines it to run once
 * the name is. {@code -Dquiver.methodEdits=false} on the kernel JVM sends every method to JShell.
 */
final class MethodEdits {

  private static final boolean ON =
      Boolean.parseBoolean(System.getProperty("quiver.methodEdits", "true"));

  /**
   * A method whose class in the cell JVM was compiled from {@code source} (as the user wrote it),
   * not from JShell's record of it.
   *
   * @param firstLine the line of the compiled class's source the method's first line is on
   * @param cell the cell it came from, and {@code line} the cell's line it starts on
   */
  private record Edit(
      MethodSnippet snippet,
      String source,
      String header,
      String className,
      int firstLine,
      int cell,
      int line) {}

  // runMethod's answer for a method run again as JShell holds it (Redeclarations keeps it).
  private static final JShellInterpreter.QuickRun AS_JSHELL_HOLDS_IT =
      new JShellInterpreter.QuickRun.Done(null);

  private final CellErrors errors;
  private final Map<MethodSnippet, Edit> edits = new LinkedHashMap<>();
  private final Map<MethodSnippet, String> headers = new java.util.WeakHashMap<>();
  private final AtomicInteger compiled = new AtomicInteger();
  private JShell shell;
  private Internals internals;

  MethodEdits(CellErrors errors) {
    this.errors = errors;
  }

  // JShell's internals this needs, looked up once per shell; null where they differ (another JDK).
  private record Internals(Method key, Method classFullName, Object tracker, Method markLoaded) {
    static Internals of(JShell js) {
      try {
        var key = Snippet.class.getDeclaredMethod("key");
        var classFullName = Snippet.class.getDeclaredMethod("classFullName");
        Field trackerField = JShell.class.getDeclaredField("classTracker");
        key.setAccessible(true);
        classFullName.setAccessible(true);
        trackerField.setAccessible(true);
        var tracker = trackerField.get(js);
        var markLoaded = tracker.getClass().getDeclaredMethod("markLoaded", ClassBytecodes[].class);
        markLoaded.setAccessible(true);
        return new Internals(key, classFullName, tracker, markLoaded);
      } catch (ReflectiveOperationException | RuntimeException e) {
        System.err.println("quiver kernel: methods edited go through JShell: " + e);
        return null;
      }
    }
  }

  /**
   * Runs {@code piece} if it is a live method given a new body (or the body it has): its outcome
   * (nothing to show, or a compile error), or null when JShell must evaluate it.
   */
  JShellInterpreter.QuickRun run(
      JShell js,
      QuickCells q,
      ExecutionControl control,
      Pieces.Piece piece,
      String code,
      int cell,
      Supplier<Outcome> died) {
    if (!ON || q == null || control == null) {
      return null;
    }
    attach(js);
    var text = piece.source().strip();
    if (internals == null || !text.endsWith("}") || QuickCellBodies.body(text) != null) {
      return null;
    }
    var method = JavaSyntax.method(text);
    if (method == null) {
      return null;
    }
    var ran = runMethod(js, q, control, method, piece, code, cell, died);
    if (ran == AS_JSHELL_HOLDS_IT) {
      return null;
    }
    if (ran == null) {
      sync(js); // JShell takes this method: it must know the methods edited before
    }
    return ran;
  }

  private JShellInterpreter.QuickRun runMethod(
      JShell js,
      QuickCells q,
      ExecutionControl control,
      JavaSyntax.Method method,
      Pieces.Piece piece,
      String code,
      int cell,
      Supplier<Outcome> died) {
    List<MethodSnippet> named;
    try {
      named =
          js.methods()
              .filter(m -> m.name().equals(method.name()) && js.status(m).isActive())
              .toList();
    } catch (IllegalStateException e) {
      return null;
    }
    if (named.size() != 1 || js.status(named.getFirst()) != Snippet.Status.VALID) {
      return null; // a new method, overloads, or one waiting for a name: JShell's
    }
    var live = named.getFirst();
    var edit = edits.get(live);
    var text = piece.source().strip();
    int line = piece.line(code);
    if (edit == null && text.equals(live.source().strip())) {
      return AS_JSHELL_HOLDS_IT;
    }
    if (edit != null && text.equals(edit.source().strip())) {
      errors.place(live.id(), cell, line); // the body it has: nothing to do
      return new JShellInterpreter.QuickRun.Done(null);
    }
    var header = edit != null ? edit.header() : headerOf(live);
    if (!method.header().equals(header)) {
      return null; // another signature: JShell's, with what uses it
    }
    String className;
    String imports;
    try {
      className = (String) internals.classFullName().invoke(live);
      imports = q.header(Set.of(internals.key().invoke(live)));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
    imports = namedIn(imports, text);
    var simpleName = className.substring(className.lastIndexOf('.') + 1);
    // JShell's wrap of a method: its imports, the class, "public static" and the method's text.
    var lead = imports + "\nclass " + simpleName + " {\n    public static\n    ";
    var source = lead + text + "}\n";
    var diagnostics = new DiagnosticCollector<JavaFileObject>();
    var classes = q.compileClass(simpleName, source, diagnostics);
    if (classes == null) {
      var problems = new ArrayList<CellErrors.Problem>();
      int shift = piece.source().indexOf(text) - lead.length();
      boolean missingName = false;
      for (var d : diagnostics.getDiagnostics()) {
        if (d.getKind() == Diagnostic.Kind.ERROR) {
          missingName |=
              d.getCode().startsWith("compiler.err.cant.resolve")
                  || d.getCode().equals("compiler.err.cant.apply.symbol");
          long at = d.getStartPosition() >= 0 ? d.getStartPosition() : d.getPosition();
          problems.add(new CellErrors.Problem(at + shift, d.getMessage(java.util.Locale.ROOT)));
        }
      }
      if (missingName || problems.isEmpty()) {
        return null; // JShell defines it to run once the name is defined, or says what is wrong
      }
      // The method keeps its body: report the error as JShell would, on the cell's lines.
      return new JShellInterpreter.QuickRun.Failed(
          errors.compileError(problems, text, piece, code, cell));
    }
    if (classes.size() != 1 || !classes.getFirst().name().equals(className)) {
      return null; // an anonymous or local class: JShell loads it
    }
    var bytecodes = classes.toArray(ClassBytecodes[]::new);
    try {
      control.redefine(bytecodes);
      internals.markLoaded().invoke(internals.tracker(), (Object) bytecodes);
    } catch (ExecutionControl.EngineTerminationException e) {
      return new JShellInterpreter.QuickRun.Failed(died.get());
    } catch (ExecutionControl.ExecutionControlException e) {
      return null; // the JVM cannot redefine it in place (a new lambda): JShell replaces it
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
    int firstLine = (int) lead.chars().filter(c -> c == '\n').count() + 1;
    edits.remove(live);
    edits.put(
        live, new Edit(live, piece.source(), method.header(), className, firstLine, cell, line));
    errors.place(live.id(), cell, line);
    compiled.incrementAndGet();
    return new JShellInterpreter.QuickRun.Done(null);
  }

  private void attach(JShell js) {
    if (shell != js) { // a new cell JVM: a new shell, with none of the old one's methods
      edits.clear();
      headers.clear();
      shell = js;
      internals = Internals.of(js);
    }
  }

  /**
   * Gives a live variable a primitive value in one JDI command (its class's static field), as
   * {@code name = value;} would; false when that could not be done (then it compiles).
   */
  boolean assign(JShell js, RemoteControl control, jdk.jshell.VarSnippet variable, Object value) {
    attach(js);
    if (internals == null || control == null) {
      return false;
    }
    try {
      var className = (String) internals.classFullName().invoke(variable);
      return control.setStatic(className, variable.name(), value);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  private static final java.util.regex.Pattern IDENTIFIER =
      java.util.regex.Pattern.compile(
          "[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}]*");

  /**
   * The import lines the method can use: each import of a name that occurs in its text, each static
   * on-demand import ({@code import static C.*;}) and, when the text names anything that could be a
   * class (an identifier that does not start with a lower-case letter), each on-demand import of
   * types ({@code import p.*;}). An import of a name the text never mentions cannot change what the
   * text means, and each costs the compiler a class to read (one per live declaration: JShell
   * imports every one into every snippet); a text of only lower-case names ({@code return x + a +
   * 2;}) names no class by Java's naming convention, and the compiler then resolves none of the
   * default imports' packages (a class named in lower case from such a package fails to compile
   * here, and the caller hands the text to JShell, with every import).
   */
  static String namedIn(String imports, String text) {
    var names = new java.util.HashSet<String>();
    var words = IDENTIFIER.matcher(text);
    boolean classNames = false;
    while (words.find()) {
      var word = words.group();
      names.add(word);
      classNames |= !Character.isLowerCase(word.charAt(0));
    }
    var kept = new StringBuilder();
    for (var line : imports.split("\n", -1)) {
      var s = line.strip();
      if (!classNames
          && s.startsWith("import ")
          && !s.startsWith("import static ")
          && s.endsWith(".*;")) {
        kept.append('\n'); // the same lines, so positions keep their line numbers
        continue;
      }
      if (s.startsWith("import ") && s.indexOf(';') == s.length() - 1 && !s.endsWith(".*;")) {
        var name = s.substring(s.lastIndexOf('.') + 1, s.length() - 1).strip();
        if (!names.contains(name)) {
          kept.append('\n'); // the same lines, so positions keep their line numbers
          continue;
        }
      }
      kept.append(line).append('\n');
    }
    return kept.substring(0, kept.length() - 1);
  }

  // The header of a live method's declaration as JShell holds it.
  private String headerOf(MethodSnippet live) {
    return headers.computeIfAbsent(
        live,
        m -> {
          var parsed = JavaSyntax.method(m.source().strip());
          return parsed == null ? "" : parsed.header();
        });
  }

  /**
   * Gives JShell the source of each method edited here since its last evaluation, before it
   * evaluates anything: JShell compiles and redefines each as it would have then, so what it
   * recompiles later (the method as a dependent of a changed declaration) is the user's latest
   * code.
   */
  void sync(JShell js) {
    if (edits.isEmpty() || js != shell) {
      return;
    }
    var pending = List.copyOf(edits.values());
    edits.clear();
    for (var edit : pending) {
      try {
        for (var e : js.eval(edit.source())) {
          if (e.causeSnippet() != null) {
            continue;
          }
          if (e.status().isDefined()) {
            errors.place(e.snippet().id(), edit.cell(), edit.line());
          } else {
            System.err.println(
                "quiver kernel: JShell did not take a method edited before: "
                    + e.status()
                    + " "
                    + edit.source().strip().lines().findFirst().orElse(""));
          }
        }
      } catch (IllegalStateException e) {
        return; // the shell is closed (its cell JVM ended)
      }
    }
  }

  /**
   * The cell JVM's frames with those of an edited method's class in JShell's snippet form (named
   * after the method's snippet, lines of the method's text); other frames as they are.
   */
  StackTraceElement[] frames(StackTraceElement[] raw) {
    if (edits.isEmpty()) {
      return raw;
    }
    var out = raw.clone();
    for (int i = 0; i < out.length; i++) {
      var f = out[i];
      for (var edit : edits.values()) {
        if (f.getClassName().equals(edit.className())) {
          out[i] =
              new StackTraceElement(
                  edit.className().substring(edit.className().lastIndexOf('.') + 1),
                  f.getMethodName(),
                  "#" + edit.snippet().id(),
                  Math.max(1, f.getLineNumber() - edit.firstLine() + 1));
        }
      }
    }
    return out;
  }

  /** How many methods were compiled here so far (for tests). */
  int compiledCount() {
    return compiled.get();
  }
}
