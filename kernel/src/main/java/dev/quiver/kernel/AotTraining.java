package dev.quiver.kernel;

import dev.quiver.display.MimeBundle;
import dev.quiver.kernel.jshell.JShellInterpreter;
import dev.quiver.kernel.magic.MagicInterpreter;
import java.io.IOException;
import java.util.List;

/**
 * The training run behind the kernel's ahead-of-time caches (JEP 483/515), which the kernel's
 * installer makes after each build ({@link dev.quiver.kernel.install.AotCaches}): {@code java
 * -XX:AOTCacheOutput=... dev.quiver.kernel.AotTraining}, with the cell JVM recording its own AOT
 * configuration ({@code -XX:AOTMode=record} in {@code quiver.jvm.flags}).
 *
 * <p>Why: a kernel spends its first seconds loading, linking and interpreting javac and JShell, and
 * the cell JVM the agent and the runtime. A cache made from a run of real cells has those classes
 * loaded and linked already, with method profiles, so the kernel's first cell starts from there.
 * The cells below are ordinary notebook cells (declarations, expressions, output, display, errors,
 * completion), not the benchmark's: the cache must help every cell.
 *
 * <p>It runs the interpreter in-process, with the same configuration as {@link KernelMain} (system
 * properties), and ends with {@link System#exit} so the JVMs write their caches.
 */
public final class AotTraining {

  static final List<String> CELLS =
      List.of(
          "1 + 1",
          "var xs = new ArrayList<Integer>();\nfor (int i = 0; i < 10; i++) {\n    xs.add(i * i);\n}\nxs",
          "int square(int x) { return x * x; }",
          "square(7)",
          "record Point(double x, double y) {\n    double norm() { return Math.hypot(x, y); }\n}",
          "var p = new Point(3, 4);\np.norm()",
          "System.out.println(\"hello \" + p);",
          "String.format(\"%.3f\", Math.PI)",
          "xs.stream().mapToInt(Integer::intValue).sum()",
          "Map<String, Integer> counts = new HashMap<>();\ncounts.merge(\"a\", 1, Integer::sum);\ncounts",
          "var t = Tensor.ones(2, 3);\nt",
          "show(new Markdown(\"**trained**\"));",
          "int broken = \"not a number\";",
          "Integer.parseInt(\"x\")",
          "int square(int x) { return x * x * 1; }",
          "square(8)");

  private AotTraining() {}

  public static void main(String[] args) throws IOException {
    var interpreter = new MagicInterpreter(new JShellInterpreter(KernelMain.config()));
    var out =
        new Interpreter.Output() {
          @Override
          public void stream(String name, String text) {}

          @Override
          public void display(MimeBundle bundle, String id, boolean update) {}

          @Override
          public void clear(boolean wait) {}

          @Override
          public String input(String prompt, boolean password) {
            return null;
          }
        };
    int status = 0;
    try {
      interpreter.start();
      int count = 0;
      for (int round = 0; round < 3; round++) {
        for (var cell : CELLS) {
          interpreter.execute(cell, ++count, out);
        }
        interpreter.complete("Math.ma", 7);
        interpreter.complete("xs.str", 6);
        interpreter.inspect("Math.max", 8, 0);
        interpreter.isComplete("for (int i = 0; i < 3; i++) {");
        interpreter.isComplete("1 + 1");
      }
      var check = interpreter.execute("square(3) + 1", ++count, out);
      if (!(check instanceof Interpreter.Outcome.Ok ok)
          || ok.result() == null
          || !ok.result().text().equals("10")) {
        System.err.println(
            "quiver: AOT training: the kernel did not run cells as expected: " + check);
        status = 1;
      }
    } finally {
      interpreter.close();
    }
    // System.exit, not a halt: the JVM writes its AOT cache on the way out.
    System.exit(status);
  }
}
