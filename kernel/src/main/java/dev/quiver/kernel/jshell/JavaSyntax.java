package dev.quiver.kernel.jshell;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.NewArrayTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.JavacTask;
import com.sun.source.util.SourcePositions;
import com.sun.source.util.TreeScanner;
import com.sun.source.util.Trees;
import com.sun.tools.javac.api.JavacTaskPool;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.UnaryOperator;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;

/**
 * Whether snippets parse as Java, without compiling or running them: javac's parser alone, on each
 * snippet placed where it could stand (in a method's body, as a returned expression, in a class's
 * body, or before a class as an import). JShell's {@code sourceToSnippets} also calls a snippet
 * erroneous when a name in it is not defined yet (a later line's use of an earlier line's
 * variable), so before a cell runs it cannot say this.
 *
 * <p>All of a cell's snippets, in every placement, are parsed by one javac task, in a compiler
 * context kept for the next cell ({@link JavacTaskPool}) with one file manager. A fresh task per
 * placement (a new context and file manager each) took about a third of a warm cell of two
 * declarations, more than JShell's compile of them; a snippet's parse is a fraction of a
 * millisecond.
 */
final class JavaSyntax {

  private static final JavaCompiler JAVAC = ToolProvider.getSystemJavaCompiler();
  private static final List<String> OPTIONS = List.of("-proc:none");

  /** Kept contexts, or null where javac's internals are not exported to us (fresh tasks then). */
  private static final JavacTaskPool POOL = pool();

  private static final JavaFileManager FILES =
      JAVAC == null
          ? null
          : JAVAC.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8);

  private static final List<UnaryOperator<String>> PLACES =
      List.of(
          s -> s.startsWith("import ") ? s + "\nclass Q$ {}\n" : null,
          s -> "class Q$ { void m$() throws Throwable {\n" + s + "\n} }\n",
          s ->
              "class Q$ { Object m$() throws Throwable { return (\n"
                  + (s.endsWith(";") ? s.substring(0, s.length() - 1) : s)
                  + "\n); } }\n",
          s -> "class Q$ {\n" + s + "\n}\n");

  private JavaSyntax() {}

  private static JavacTaskPool pool() {
    try {
      return new JavacTaskPool(1);
    } catch (LinkageError | RuntimeException e) {
      return null;
    }
  }

  static boolean parses(String snippet) {
    return firstUnparsed(List.of(snippet)) < 0;
  }

  /** The index of the first snippet that does not parse in any placement, or -1. */
  static int firstUnparsed(List<String> snippets) {
    if (JAVAC == null) {
      return -1; // no compiler to ask: JShell will say what is wrong when the piece runs
    }
    var units = new ArrayList<JavaFileObject>();
    var snippetOf = new ArrayList<Integer>();
    for (int i = 0; i < snippets.size(); i++) {
      var snippet = snippets.get(i).strip();
      if (snippet.isEmpty()) {
        continue;
      }
      for (var place : PLACES) {
        var unit = place.apply(snippet);
        if (unit != null) {
          units.add(source(units.size(), unit));
          snippetOf.add(i);
        }
      }
    }
    var failed = failing(units);
    if (failed == null) {
      return -1; // cannot tell: let JShell say what is wrong when the piece runs
    }
    var parsed = new HashSet<Integer>();
    for (int u = 0; u < units.size(); u++) {
      if (!failed.contains(u)) {
        parsed.add(snippetOf.get(u));
      }
    }
    for (int i : snippetOf) {
      if (!parsed.contains(i)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * A declaration of one variable with an initializer and no modifiers or annotations, {@code Type
   * name = initializer;}: its name and where its initializer is in {@code snippet}; null for
   * anything else (several variables, {@code var}, a field's modifiers, a method, a parse error).
   */
  record Variable(String name, int initStart, int initEnd) {}

  /**
   * A declaration of one variable with an initializer, {@code Type name = initializer;} or {@code
   * var name = initializer;}, without modifiers or annotations, whose initializer is not an array
   * initializer ({@code {1, 2}}).
   *
   * @param type the type as written, or null for {@code var}
   */
  record Declared(String name, String type, String initializer) {}

  /**
   * {@code snippet} as a {@link Declared} (leading comments allowed), or null for anything else.
   */
  static Declared declared(String snippet) {
    int at = codeStart(snippet);
    boolean isVar =
        snippet.startsWith("var", at)
            && at + 3 < snippet.length()
            && Character.isWhitespace(snippet.charAt(at + 3));
    // As a field, "var" does not parse: a type name of the same length keeps the positions.
    var text = isVar ? snippet.substring(0, at) + "$v$" + snippet.substring(at + 3) : snippet;
    return member(
        text,
        (s, cu, member, positions, lead) -> {
          if (!(member instanceof VariableTree v)
              || v.getInitializer() == null
              || (v.getInitializer() instanceof NewArrayTree array && array.getType() == null)
              || !v.getModifiers().getFlags().isEmpty()
              || !v.getModifiers().getAnnotations().isEmpty()
              || v.getType() == null) {
            return null;
          }
          long typeStart = positions.getStartPosition(cu, v.getType()) - lead;
          long typeEnd = positions.getEndPosition(cu, v.getType()) - lead;
          long start = positions.getStartPosition(cu, v.getInitializer()) - lead;
          long end = positions.getEndPosition(cu, v.getInitializer()) - lead;
          if (typeStart < 0
              || typeEnd <= typeStart
              || start <= typeEnd
              || end <= start
              || end > s.length()) {
            return null;
          }
          return new Declared(
              v.getName().toString(),
              isVar ? null : s.substring((int) typeStart, (int) typeEnd),
              s.substring((int) start, (int) end));
        });
  }

  static Variable variable(String snippet) {
    return member(snippet, JavaSyntax::variableIn);
  }

  private static Variable variableIn(
      String snippet, CompilationUnitTree cu, Tree member, SourcePositions positions, int lead) {
    if (!(member instanceof VariableTree v)
        || v.getInitializer() == null
        || !v.getModifiers().getFlags().isEmpty()
        || !v.getModifiers().getAnnotations().isEmpty()
        || v.getType() == null
        || v.getType().toString().equals("var")) {
      return null;
    }
    long start = positions.getStartPosition(cu, v.getInitializer()) - lead;
    long end = positions.getEndPosition(cu, v.getInitializer()) - lead;
    if (start <= 0 || end <= start || end > snippet.length()) {
      return null;
    }
    return new Variable(v.getName().toString(), (int) start, (int) end);
  }

  /**
   * The method {@code snippet} declares with no modifiers or annotations, or null for anything else
   * (or a parse error).
   */
  static Method method(String snippet) {
    return member(snippet, JavaSyntax::methodIn);
  }

  /**
   * A method's name, its header (the text before the body, whitespace runs as one space), and
   * whether its body calls a method of its own name by that simple name (itself or an overload).
   */
  record Method(String name, String header, boolean callsItsName) {}

  private static Method methodIn(
      String snippet, CompilationUnitTree cu, Tree member, SourcePositions positions, int lead) {
    if (!(member instanceof MethodTree m)
        || m.getBody() == null
        || m.getReturnType() == null // a constructor
        || !m.getModifiers().getFlags().isEmpty()
        || !m.getModifiers().getAnnotations().isEmpty()) {
      return null;
    }
    long start = positions.getStartPosition(cu, m) - lead;
    long body = positions.getStartPosition(cu, m.getBody()) - lead;
    if (start < 0 || body <= start || body > snippet.length()) {
      return null;
    }
    var name = m.getName().toString();
    boolean[] calls = {false};
    new TreeScanner<Void, Void>() {
      @Override
      public Void visitMethodInvocation(MethodInvocationTree node, Void p) {
        if (node.getMethodSelect() instanceof IdentifierTree id
            && id.getName().contentEquals(name)) {
          calls[0] = true;
        }
        return super.visitMethodInvocation(node, p);
      }
    }.scan(m.getBody(), null);
    var header = snippet.substring((int) start, (int) body).strip().replaceAll("\\s+", " ");
    return new Method(name, header, calls[0]);
  }

  /** Where the code of {@code text} starts, after whitespace and comments. */
  static int codeStart(String text) {
    int i = 0;
    while (i < text.length()) {
      if (Character.isWhitespace(text.charAt(i))) {
        i++;
      } else if (text.startsWith("//", i)) {
        int end = text.indexOf('\n', i);
        i = end < 0 ? text.length() : end + 1;
      } else if (text.startsWith("/*", i)) {
        int end = text.indexOf("*/", i + 2);
        i = end < 0 ? text.length() : end + 2;
      } else {
        break;
      }
    }
    return i;
  }

  /** Reads the one member a class body of {@code snippet} declares (null: not a fit). */
  private interface MemberReader<T> {
    T read(
        String snippet, CompilationUnitTree cu, Tree member, SourcePositions positions, int lead);
  }

  // The snippet parsed as the only member of a class, read by the reader; null on a parse error
  // or when the class body does not hold exactly one member.
  private static synchronized <T> T member(String snippet, MemberReader<T> reader) {
    if (JAVAC == null || POOL == null) {
      return null;
    }
    var lead = "class Q$ {\n";
    var unit = source(0, lead + snippet + "\n}\n");
    var diagnostics = new DiagnosticCollector<JavaFileObject>();
    try {
      return POOL.getTask(
          null,
          FILES,
          diagnostics,
          OPTIONS,
          null,
          List.of(unit),
          task -> {
            try {
              var units = ((JavacTask) task).parse();
              if (diagnostics.getDiagnostics().stream()
                  .anyMatch(d -> d.getKind() == Diagnostic.Kind.ERROR)) {
                return null;
              }
              var cu = units.iterator().next();
              if (cu.getTypeDecls().size() != 1
                  || !(cu.getTypeDecls().getFirst() instanceof ClassTree type)
                  || type.getMembers().size() != 1) {
                return null;
              }
              var positions = Trees.instance((JavacTask) task).getSourcePositions();
              return reader.read(
                  snippet, cu, type.getMembers().getFirst(), positions, lead.length());
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static JavaFileObject source(int n, String text) {
    return new SimpleJavaFileObject(
        URI.create("string:///Q" + n + ".java"), JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignoreEncodingErrors) {
        return text;
      }
    };
  }

  /** The indices of the units with a parse error, or null when the parser could not be run. */
  private static synchronized Set<Integer> failing(List<JavaFileObject> units) {
    var failed = new HashSet<Integer>();
    if (units.isEmpty()) {
      return failed;
    }
    var diagnostics = new DiagnosticCollector<JavaFileObject>();
    try {
      if (POOL != null) {
        POOL.getTask(
            null,
            FILES,
            diagnostics,
            OPTIONS,
            null,
            units,
            task -> {
              try {
                return ((JavacTask) task).parse();
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
      } else {
        ((JavacTask) JAVAC.getTask(null, FILES, diagnostics, OPTIONS, null, units)).parse();
      }
    } catch (java.io.IOException | RuntimeException e) {
      return null;
    }
    for (var d : diagnostics.getDiagnostics()) {
      if (d.getKind() == Diagnostic.Kind.ERROR && d.getSource() != null) {
        failed.add(units.indexOf(d.getSource()));
      }
    }
    return failed;
  }
}
