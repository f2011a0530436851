package dev.quiver.kernel;

import dev.quiver.display.MimeBundle;
import dev.quiver.kernel.jshell.JShellInterpreter;
import dev.quiver.kernel.magic.MagicInterpreter;
import java.io.IOException;
import java.util.List;
import java.util.Set;

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
 * completion, a model's training), not the benchmark's: the cache must help every cell.
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
          "square(8)",
          // A notebook's training cells: data, a model, a fit with its live view, evaluation, and a
          // second model with another loss and optimizer, so the cell JVM's cache holds the
          // training path loaded, linked and profiled, not only the shell's.
          "var iris = Datasets.iris().split(0.8, 7).standardize();",
          "var net = Sequential.of(Dense.of(12).relu(), Dense.of(3).softmax()).input(4).seed(7);",
          "net.fit(iris.train(), Fit.epochs(40).batch(16).optimizer(Adam.lr(0.01))\n"
              + "    .loss(Loss.crossEntropy()).metrics(Metric.accuracy()))",
          "net.evaluate(iris.test())",
          "var reg = Sequential.of(Dense.of(8).tanh(), Dense.of(1)).input(4).seed(3);\n"
              + "reg.fit(Dataset.of(Tensor.randn(new long[] {256, 4}, 1), Tensor.randn(new long[] {256, 1}, 2)),\n"
              + "    Fit.epochs(10).batch(32).optimizer(SGD.lr(0.05)).loss(Loss.mse()).quiet());\n"
              + "reg.predict(Tensor.randn(new long[] {4, 4}, 3))");

  private static final Set<String> FAIL_ON_PURPOSE =
      Set.of("int broken = \"not a number\";", "Integer.parseInt(\"x\")");

  // Sent over ZeroMQ first (AotWireSession): a kernel's start and its first cells as Jupyter
  // drives them.
  static final List<String> WIRE_CELLS =
      List.of(
          "1 + 1",
          "System.out.println(\"hello\");",
          "int twice(int x) { return 2 * x; }",
          "twice(21)",
          "var shown = Tensor.ones(2, 2);\nshown",
          "show(new Markdown(\"**shown**\"));",
          "Integer.parseInt(\"x\")");

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
      if (!AotWireSession.run(interpreter, WIRE_CELLS)) {
        // The cache is still made from the cells below, without the transport's classes.
        System.err.println("quiver: AOT training: a request over ZeroMQ got no reply");
      }
      interpreter.start();
      int count = 0;
      for (int round = 0; round < 3; round++) {
        for (var cell : CELLS) {
          var outcome = interpreter.execute(cell, ++count, out);
          // Two cells fail on purpose (the error path is trained too); any other failure means
          // the cache was trained on less than it should be: say which cell, and make no cache.
          if (outcome instanceof Interpreter.Outcome.Error e && !FAIL_ON_PURPOSE.contains(cell)) {
            System.err.println(
                "quiver: AOT training: a cell failed: "
                    + e.ename()
                    + ": "
                    + e.evalue()
                    + "\n"
                    + cell);
            status = 1;
          }
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
