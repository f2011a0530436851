package dev.quiver.kernel.jshell;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.TreePath;
import com.sun.source.util.Trees;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.ModuleElement;
import javax.lang.model.element.NestingKind;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.type.WildcardType;
import javax.lang.model.util.Elements;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaFileObject;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.VarSnippet;

/**
 * A new {@code var} variable whose initializer is type-checked once: the declarations a notebook's
 * first cells are made of ({@code var iris = Datasets.iris()...;}, {@code var history =
 * model.fit(...);}).
 *
 * <h2>Why</h2>
 *
 * For {@code var x = initializer;} JShell runs the compiler five times, four of them over the
 * initializer (a trial compile of the declaration, the initializer's type, the snippet's analysis
 * and its compile), each over every import and live declaration. In a fresh kernel those runs are
 * javac's code running cold, on the core the cell JVM would use to warm up: 60-110 ms of the
 * kernel's CPU per new variable in felt's first cells (2026-12-07).
 *
 * <h2>How</h2>
 *
 * The declaration is compiled once, as the user wrote it, as a local variable of a quick cell's
 * {@code do_it$} ({@link QuickCells}), which stores the value in a static field of its class
 * ({@code $Quiver$VN.v$}); javac's inferred type of the local (JShell infers it the same way, as a
 * local variable's) is the variable's type. The class runs in the cell JVM like any quick cell
 * (output, interrupts and exceptions as for any cell, traces naming the cell's lines). Then JShell
 * declares the variable itself, {@code Type name = $Quiver$VN.take$();}: a snippet like any other,
 * which later cells, completion, redefinitions and other languages see (three compiler runs over a
 * call instead of five over the initializer), and the holder gives up its reference. So the
 * variable is JShell's, of the type JShell would give it (written in full, {@code
 * java.util.ArrayList<String>}, where JShell's own {@code typeName()} says {@code
 * ArrayList<String>}), holding the value the initializer made. The holder's class stays in JShell's
 * file manager, where JShell's compiles of the snippet find it.
 *
 * <p>An initializer that throws (or is interrupted) leaves the new variable declared with its
 * type's default value, as JShell's does ({@code var x = 1 / 0;} leaves {@code x} 0).
 *
 * <h2>What takes this path</h2>
 *
 * One {@code var} variable, no modifiers or annotations, whose name no live variable has (a
 * variable declared again keeps JShell's way), of a type that can be written and reached from the
 * cell: not an anonymous class, an intersection, a type variable, a class of the cells themselves
 * (JShell names those its own way), an inner class of a generic class, or a class that is not
 * public. A declared type ({@code Dataset d = ...;}) is not taken: JShell type-checks its
 * initializer twice, not four times, and measured, this path was no cheaper for it. Anything else,
 * and anything that does not compile here (JShell then reports the error), goes to JShell. {@code
 * -Dquiver.newVariables=false} on the kernel JVM turns it off.
 */
final class NewVariables {

  private static final boolean ON =
      Boolean.parseBoolean(System.getProperty("quiver.newVariables", "true"));

  /** A new variable's initializer compiled: run {@code compiled}, then {@link #declare}. */
  record Planned(String name, String type, QuickCells.Compiled compiled) {}

  private final AtomicInteger classes = new AtomicInteger();
  private final AtomicInteger declared = new AtomicInteger();

  /** The plan for {@code piece}, or null when JShell must evaluate it. */
  Planned plan(JShell js, QuickCells q, String piece) {
    var text = piece.strip();
    if (!ON || q == null || !text.startsWith("var", JavaSyntax.codeStart(text))) {
      return null;
    }
    var parsed = JavaSyntax.declared(text);
    if (parsed == null) {
      // A line without ";" (as at the jshell prompt), perhaps with a comment after it.
      text = text + "\n;";
      parsed = JavaSyntax.declared(text);
    }
    var d = parsed;
    if (d == null || d.type() != null) {
      return null; // a declared type: JShell's own way (see above)
    }
    try {
      if (js.variables().anyMatch(v -> v.name().equals(d.name()) && js.status(v).isActive())) {
        return null;
      }
    } catch (IllegalStateException e) {
      return null;
    }
    String header;
    try {
      // Only the import lines the initializer can use (see MethodEdits.namedIn): JShell imports
      // every live declaration into every compile, and a notebook's cells pile them up.
      header = MethodEdits.namedIn(q.header(null), text);
    } catch (ReflectiveOperationException e) {
      return null;
    }
    var className = QuickCells.CLASS_PREFIX + "V" + classes.incrementAndGet();
    var source =
        header
            + "\nclass "
            + className
            + " {\npublic static Object do_it$() throws Throwable {\n"
            + text
            + "\nv$ = "
            + d.name()
            + ";\nreturn "
            + QuickCells.CELL_CALL
            + ".NO_VALUE;\n}\npublic static Object v$;\n"
            + "@SuppressWarnings(\"unchecked\") public static <X> X take$() {\n"
            + "Object v = v$; v$ = null; return (X) v; }\n}\n";
    String[] type = {d.type()};
    var classes =
        q.compileClass(
            className,
            source,
            new DiagnosticCollector<JavaFileObject>(),
            (task, units) -> {
              if (type[0] == null) {
                type[0] = inferred(task, units, task.getElements());
              }
              return type[0] != null;
            });
    if (classes == null || classes.size() != 1) {
      return null; // an error (JShell reports it), or an anonymous class: JShell's
    }
    int firstLine = 1 + 3 + (int) header.chars().filter(c -> c == '\n').count();
    return new Planned(
        d.name(),
        type[0],
        new QuickCells.Compiled(
            "REPL." + className,
            classes.toArray(jdk.jshell.spi.ExecutionControl.ClassBytecodes[]::new),
            firstLine,
            "new variable\u0000" + className));
  }

  /**
   * Declares the planned variable in JShell, holding the value its initializer made ({@code ran}),
   * or its type's default value when the initializer failed; its snippet is placed on the cell's
   * {@code line}.
   */
  void declare(JShell js, Planned plan, boolean ran, CellErrors errors, int cell, int line) {
    var simpleName = plan.compiled().className().substring("REPL.".length());
    var source = plan.type() + " " + plan.name() + (ran ? " = " + simpleName + ".take$();" : ";");
    List<SnippetEvent> events;
    try {
      events = js.eval(source);
      if (ran
          && events.stream()
              .noneMatch(
                  e ->
                      e.causeSnippet() == null
                          && e.snippet() instanceof VarSnippet
                          && e.status() == Snippet.Status.VALID)) {
        // Not expected (the type compiled in the holder): the value as an Object, not lost.
        events = js.eval("Object " + plan.name() + " = " + simpleName + ".take$();");
      } else if (ran) {
        declared.incrementAndGet();
      }
    } catch (IllegalStateException e) {
      return; // the shell is closed: its cell JVM ended
    }
    for (var e : events) {
      if (e.causeSnippet() == null) {
        errors.place(e.snippet().id(), cell, line);
      }
    }
  }

  // The type javac inferred for the local "var" of do_it$, as Java source, or null when it cannot
  // be written in a cell (see the class comment).
  private static String inferred(
      com.sun.source.util.JavacTask task,
      Iterable<? extends CompilationUnitTree> units,
      Elements elements) {
    for (var cu : units) {
      for (var type : cu.getTypeDecls()) {
        if (!(type instanceof ClassTree c)) {
          continue;
        }
        for (var member : c.getMembers()) {
          if (member instanceof MethodTree m
              && m.getName().contentEquals("do_it$")
              && m.getBody() != null
              && !m.getBody().getStatements().isEmpty()
              && m.getBody().getStatements().getFirst() instanceof VariableTree v) {
            var element = Trees.instance(task).getElement(TreePath.getPath(cu, v));
            return element == null ? null : written(element.asType(), elements);
          }
        }
      }
    }
    return null;
  }

  /** {@code t} as Java source a cell can use, or null. */
  static String written(TypeMirror t, Elements elements) {
    if (t.getKind().isPrimitive()) {
      return t.getKind().name().toLowerCase(java.util.Locale.ROOT);
    }
    if (t instanceof ArrayType a) {
      var component = written(a.getComponentType(), elements);
      return component == null ? null : component + "[]";
    }
    if (t.getKind() != TypeKind.DECLARED || !(t instanceof DeclaredType d)) {
      return null; // a type variable, an intersection, null, an error
    }
    var element = (TypeElement) d.asElement();
    if (element.getNestingKind() != NestingKind.TOP_LEVEL
        && element.getNestingKind() != NestingKind.MEMBER) {
      return null; // anonymous or local
    }
    for (javax.lang.model.element.Element e = element;
        e instanceof TypeElement;
        e = e.getEnclosingElement()) {
      if (!e.getModifiers().contains(Modifier.PUBLIC)) {
        return null;
      }
    }
    if (d.getEnclosingType() instanceof DeclaredType outer && !outer.getTypeArguments().isEmpty()) {
      return null; // an inner class of a generic class
    }
    var name = element.getQualifiedName().toString();
    var pkg = elements.getPackageOf(element);
    if (pkg == null
        || pkg.isUnnamed()
        || name.startsWith("REPL.")
        || !exported(elements, element)) {
      return null;
    }
    if (pkg.getQualifiedName().contentEquals("java.lang")
        && element.getNestingKind() == NestingKind.TOP_LEVEL) {
      name = element.getSimpleName().toString(); // as JShell writes it
    }
    if (d.getTypeArguments().isEmpty()) {
      return name;
    }
    var b = new StringBuilder(name).append('<');
    for (var arg : d.getTypeArguments()) {
      String s;
      if (arg instanceof WildcardType w) {
        var ext = w.getExtendsBound();
        var sup = w.getSuperBound();
        s =
            ext != null
                ? wildcard("? extends ", written(ext, elements))
                : sup != null ? wildcard("? super ", written(sup, elements)) : "?";
      } else {
        s = written(arg, elements);
      }
      if (s == null) {
        return null;
      }
      b.append(b.charAt(b.length() - 1) == '<' ? "" : ", ").append(s);
    }
    return b.append('>').toString();
  }

  private static String wildcard(String lead, String bound) {
    return bound == null ? null : lead + bound;
  }

  // Whether the class's package is open to the cells: in the class path, or exported to all.
  private static boolean exported(Elements elements, TypeElement element) {
    var module = elements.getModuleOf(element);
    if (module == null || module.isUnnamed()) {
      return true;
    }
    var pkg = elements.getPackageOf(element);
    for (var directive : module.getDirectives()) {
      if (directive instanceof ModuleElement.ExportsDirective exports
          && exports.getPackage().equals(pkg)
          && exports.getTargetModules() == null) {
        return true;
      }
    }
    return false;
  }

  /** How many variables were declared with their initializer's value this way (for tests). */
  int count() {
    return declared.get();
  }
}
