package dev.quiver.kernel.jshell;

import dev.quiver.agent.CellCompilationError;
import dev.quiver.agent.CellLanguages;
import dev.quiver.agent.Shared;
import dev.quiver.display.MimeBundle;
import dev.quiver.kernel.Interpreter.Outcome;
import dev.quiver.kernel.Interpreter.Output;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.VarSnippet;

/**
 * Cells of another language (Kotlin's, for one) in the Java cells' JVM and JShell. The kernel knows
 * the language only by name: a JShell snippet calls the agent's {@code CellLanguages.eval(name,
 * ...)} in the cell JVM, which finds the language's host there (see {@code
 * dev.quiver.agent.CellLanguage}), so the cell shares the thread, streams, display, stdin and
 * interrupt of Java cells. The host's jars join the cell JVM's class path on the language's first
 * cell.
 *
 * <p>Values cross both ways: the snippet hands the host every Java variable (valid ones the user
 * declared), and after the cell each value the host published ({@code Shared.publish}) becomes a
 * Java variable of its Java type, read from {@code Shared}.
 */
public final class LanguageBridge {

  private static final String NO_VALUE = CellLanguages.NO_VALUE_STRING;

  private final JShellInterpreter java;
  private final String language;
  private final String hostClassPath;
  private volatile JShell
      loadedIn; // the shell whose class path has the host: a new cell JVM needs it again
  private final Map<String, String> published =
      new ConcurrentHashMap<>(); // Java variable name -> id of the snippet a host's value made

  LanguageBridge(JShellInterpreter java, String language, String hostClassPath) {
    this.java = java;
    this.language = language;
    this.hostClassPath = hostClassPath;
  }

  /** The language's name, as {@code CellLanguages.eval} and its host know it. */
  public String language() {
    return language;
  }

  /** Runs one cell of the language; {@code code} has blank lines for the lines before its body. */
  public Outcome execute(String code, int executionCount, Output out) {
    var current = java.currentCell();
    current.begin(out); // before the wait for the cell JVM: an interrupt meanwhile counts
    try {
      return run(code, executionCount, current);
    } finally {
      current.end();
    }
  }

  private Outcome run(String code, int executionCount, CurrentCell current) {
    var jvm = java.cellJvm();
    JShell js;
    try {
      js = jvm.awaitCell();
    } catch (RuntimeException e) {
      return CellErrors.cellJvmDidNotStart(e);
    }
    if (hostClassPath == null || hostClassPath.isBlank()) {
      var why =
          language
              + " cells need their host (quiver-"
              + language
              + ") on the class path (quiver."
              + language
              + ".classpath is not set)";
      return new Outcome.Error("NotSupported", why, List.of(why));
    }
    if (current.interrupted()) {
      return CellErrors.interrupted();
    }
    if (loadedIn != js) {
      published.clear(); // a new cell JVM: the variables made from the host's values are gone
      js.addToClasspath(hostClassPath);
      var q = jvm.quick();
      if (q != null) {
        q.forgetLoaded();
      }
      loadedIn = js;
    }
    // Java variables offered to the language: valid ones the user declared (not those made from its
    // values).
    var names = new ArrayList<String>();
    var types = new ArrayList<String>();
    js.variables()
        .filter(v -> js.status(v) == Snippet.Status.VALID && !v.name().startsWith("$"))
        .filter(v -> !v.id().equals(published.get(v.name())))
        .forEach(
            v -> {
              names.add(v.name());
              types.add(v.typeName());
            });
    var imports =
        java.startup().stream()
            .map(String::strip)
            .filter(
                l ->
                    l.startsWith("import dev.quiver.") || l.startsWith("import static dev.quiver."))
            .map(l -> l.replaceFirst("^import\\s+(static\\s+)?", "").replace(";", "").strip())
            .map(l -> "\"" + l + "\"")
            .toList();
    var call =
        CellLanguages.class.getName()
            + ".eval("
            + javaString(language)
            + ", "
            + javaString(code)
            + ", "
            + executionCount
            + ", new String[] {"
            + String.join(", ", imports)
            + "}"
            + ", new String[] {"
            + String.join(", ", names.stream().map(LanguageBridge::javaString).toList())
            + "}"
            + ", new String[] {"
            + String.join(", ", types.stream().map(LanguageBridge::javaString).toList())
            + "}"
            + ", new Object[] {"
            + String.join(", ", names)
            + "})";
    List<SnippetEvent> events;
    try {
      java.methodEdits().sync(js);
      events = js.eval(call);
    } catch (IllegalStateException e) {
      return jvm.restartAfterDeath();
    }
    if (jvm.gone()) {
      return jvm.restartAfterDeath();
    }
    MimeBundle result = null;
    Outcome failure = null;
    for (var e : events) {
      if (e.causeSnippet() != null) {
        continue;
      }
      if (e.status() == Snippet.Status.REJECTED) {
        var diags = js.diagnostics(e.snippet()).map(d -> d.getMessage(Locale.ROOT)).toList();
        failure =
            new Outcome.Error(
                "KernelError",
                "could not call the " + language + " host: " + diags,
                List.of("could not call the " + language + " host:\n" + String.join("\n", diags)));
      } else if (current.interrupted()) {
        failure = CellErrors.interrupted();
      } else if (e.exception() instanceof EvalException ee
          && ee.getExceptionClassName().equals(CellCompilationError.class.getName())) {
        var message = ee.getMessage() == null ? "" : ee.getMessage();
        var first = message.lines().findFirst().orElse("").replaceAll("\u001b\\[[0-9;]*m", "");
        failure = new Outcome.Error("CompilationError", first, message.lines().toList());
      } else if (e.exception() != null) {
        failure =
            java.errors()
                .runtimeError(Thrown.of(e.exception(), s -> CellErrors.unresolvedMessage(js, s)));
      } else if (e.value() != null && !e.value().equals(NO_VALUE)) {
        result = java.render(e.value());
      }
      js.drop(e.snippet());
    }
    declarePublished(js, jvm.control());
    if (failure != null) {
      return failure;
    }
    return new Outcome.Ok(result);
  }

  // The host's new values become Java variables of their Java types, read from Shared.
  private void declarePublished(JShell js, RemoteControl control) {
    String values;
    try {
      values = control.publishedByOtherLanguage();
    } catch (Exception e) {
      return;
    }
    if (values == null || values.isBlank()) {
      return;
    }
    var shared = Shared.class.getName();
    java.methodEdits().sync(js);
    for (var line : values.split("\n")) {
      int tab = line.indexOf('\t');
      var name = line.substring(0, tab);
      var type = line.substring(tab + 1);
      var src =
          type + " " + name + " = (" + type + ") " + shared + ".get(" + javaString(name) + ");";
      var events = js.eval(src);
      for (var e : events) {
        if (e.causeSnippet() == null
            && e.snippet() instanceof VarSnippet v
            && e.status() == Snippet.Status.VALID) {
          published.put(v.name(), v.id());
        } else if (e.causeSnippet() == null
            && e.status() == Snippet.Status.REJECTED
            && !type.equals("Object")) {
          // The Java compiler cannot name that type here: share it as an Object.
          for (var e2 :
              js.eval("Object " + name + " = " + shared + ".get(" + javaString(name) + ");")) {
            if (e2.causeSnippet() == null && e2.snippet() instanceof VarSnippet v2) {
              published.put(v2.name(), v2.id());
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
}
