package dev.quiver.kernel.jshell;

import com.sun.source.util.JavacTask;
import java.net.URI;
import java.util.List;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;

/**
 * Whether a snippet parses as Java, without compiling or running it: javac's parser alone, on the
 * snippet placed where it could stand (in a method's body, as a returned expression, in a class's
 * body, or before a class as an import). JShell's own parse-only analysis calls every expression
 * and every {@code var} erroneous, so it cannot say this.
 */
final class JavaSyntax {

  private static final JavaCompiler JAVAC = ToolProvider.getSystemJavaCompiler();

  private JavaSyntax() {}

  static boolean parses(String snippet) {
    var s = snippet.strip();
    if (s.isEmpty()) {
      return true;
    }
    if (s.startsWith("import ")) {
      return parsesAsUnit(s + "\nclass Q$ {}\n");
    }
    var expression = s.endsWith(";") ? s.substring(0, s.length() - 1) : s;
    return parsesAsUnit("class Q$ { void m$() throws Throwable {\n" + s + "\n} }\n")
        || parsesAsUnit(
            "class Q$ { Object m$() throws Throwable { return (\n" + expression + "\n); } }\n")
        || parsesAsUnit("class Q$ {\n" + s + "\n}\n");
  }

  private static boolean parsesAsUnit(String unit) {
    if (JAVAC == null) {
      return true; // no compiler to ask: JShell will say what is wrong when the piece runs
    }
    var source =
        new SimpleJavaFileObject(URI.create("string:///Q$.java"), JavaFileObject.Kind.SOURCE) {
          @Override
          public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return unit;
          }
        };
    var diagnostics = new DiagnosticCollector<JavaFileObject>();
    var task =
        (JavacTask)
            JAVAC.getTask(null, null, diagnostics, List.of("-proc:none"), null, List.of(source));
    try {
      task.parse();
    } catch (java.io.IOException | RuntimeException e) {
      return true;
    }
    return diagnostics.getDiagnostics().stream()
        .noneMatch(d -> d.getKind() == javax.tools.Diagnostic.Kind.ERROR);
  }
}
