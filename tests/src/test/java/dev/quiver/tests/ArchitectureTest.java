package dev.quiver.tests;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dependency rules of docs/architecture.md, held on the compiled main classes of every module
 * (their target/classes folders, so that bench and kotlin are read too without joining this
 * module's class path). A rule broken fails here with the classes that break it.
 */
class ArchitectureTest {
  static final Path ROOT =
      Path.of(System.getProperty("quiver.root", "..")).toAbsolutePath().normalize();

  /**
   * The core of the runtime that may import itself in a circle: the Tensor facade, its ops,
   * autodiff.
   */
  static final Set<String> TRIANGLE =
      Set.of("dev.quiver.runtime", "dev.quiver.runtime.ops", "dev.quiver.runtime.autograd");

  /**
   * Files that may be longer than the rest: the user's Tensor facade and the packed sgemm kernel.
   */
  static final Set<String> LONG_FILES =
      Set.of(
          "runtime/src/main/java/dev/quiver/runtime/Tensor.java",
          "runtime/src/main/java/dev/quiver/runtime/backend/cpu/Sgemm.java");

  static final int MAX_LINES = 600;

  static JavaClasses quiver;

  @BeforeAll
  static void importMainClasses() throws IOException {
    var folders = new ArrayList<Path>();
    for (String module : modules()) {
      Path classes = ROOT.resolve(module).resolve("target/classes");
      if (Files.isDirectory(classes)) {
        folders.add(classes);
      }
    }
    // Every module with main code must be there: a rule checked on nothing passes for nothing.
    for (String module :
        List.of("display", "runtime", "dsl", "bench", "spark", "agent", "kernel", "kotlin")) {
      assertTrue(
          folders.contains(ROOT.resolve(module).resolve("target/classes")),
          module + "/target/classes is missing; build the whole reactor (./quiver test)");
    }
    quiver = new ClassFileImporter().importPaths(folders);
  }

  /** The parent pom's modules, in order. */
  static List<String> modules() throws IOException {
    var m =
        Pattern.compile("<module>([^<]+)</module>")
            .matcher(Files.readString(ROOT.resolve("pom.xml")));
    var modules = new ArrayList<String>();
    while (m.find()) {
      modules.add(m.group(1).strip());
    }
    return modules;
  }

  @Test
  void theDisplayContractNeedsOnlyTheJdk() {
    classes()
        .that()
        .resideInAPackage("dev.quiver.display..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage("dev.quiver.display..", "java..", "")
        .check(quiver);
  }

  @Test
  void theRuntimeKnowsNothingAboveIt() {
    noClasses()
        .that()
        .resideInAPackage("dev.quiver.runtime..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.quiver.dsl..",
            "dev.quiver.agent..",
            "dev.quiver.kernel..",
            "dev.quiver.kotlin..",
            "dev.quiver.bench..")
        .check(quiver);
  }

  @Test
  void kernelsTakeViewsNotTensors() {
    noClasses()
        .that()
        .resideInAPackage("dev.quiver.runtime.backend..")
        .should()
        .dependOnClassesThat(
            describe(
                "are the tensor layer (Tensor, TensorText, ops, autograd)",
                (JavaClass c) ->
                    c.getPackageName().equals("dev.quiver.runtime.ops")
                        || c.getPackageName().equals("dev.quiver.runtime.autograd")
                        || c.getName().startsWith("dev.quiver.runtime.Tensor")))
        .check(quiver);
  }

  @Test
  void arrowStaysInMemoryAndIo() {
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.quiver.runtime.memory..", "dev.quiver.runtime.io..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("org.apache.arrow..")
        .check(quiver);
  }

  @Test
  void theDslUsesTheRuntimesPublicApi() {
    noClasses()
        .that()
        .resideInAPackage("dev.quiver.dsl..")
        .should()
        .dependOnClassesThat(
            describe(
                "are runtime internals (backends, views, storage)",
                (JavaClass c) -> isRuntimeInternal(c.getName())))
        .orShould()
        .callMethod("dev.quiver.runtime.Tensor", "view")
        .check(quiver);
  }

  static boolean isRuntimeInternal(String name) {
    String top = name.contains("$") ? name.substring(0, name.indexOf('$')) : name;
    if (top.startsWith("dev.quiver.runtime.backend.")) {
      return !top.equals("dev.quiver.runtime.backend.Devices");
    }
    if (top.startsWith("dev.quiver.runtime.memory.")) {
      return !top.equals("dev.quiver.runtime.memory.MemoryScope")
          && !top.equals("dev.quiver.runtime.memory.Memory");
    }
    return false;
  }

  @Test
  void theAgentNeedsOnlyTheDisplayContract() {
    noClasses()
        .that()
        .resideInAPackage("dev.quiver.agent..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.quiver.runtime..",
            "dev.quiver.dsl..",
            "dev.quiver.kernel..",
            "dev.quiver.kotlin..",
            "dev.quiver.bench..")
        .check(quiver);
  }

  @Test
  void theKernelIsLanguageAndTensorFree() {
    noClasses()
        .that()
        .resideInAPackage("dev.quiver.kernel..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.quiver.runtime..", "dev.quiver.dsl..", "dev.quiver.kotlin..", "dev.quiver.bench..")
        .check(quiver);
  }

  @Test
  void nothingDependsOnTheKernel() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.quiver.kernel..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.quiver.kernel..")
        .check(quiver);
  }

  @Test
  void nothingDependsOnSparkButTheSparkModule() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.quiver.spark..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.quiver.spark..", "org.apache.spark..", "scala..")
        .check(quiver);
  }

  @Test
  void theKernelsTransportAndRequestHandlingKnowNoInterpreter() {
    noClasses()
        .that()
        .resideInAnyPackage("dev.quiver.kernel.server..", "dev.quiver.kernel.handlers..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.quiver.kernel.jshell..", "dev.quiver.kernel.magic..")
        .check(quiver);
    noClasses()
        .that()
        .resideInAnyPackage("dev.quiver.kernel.jshell..", "dev.quiver.kernel.magic..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.quiver.kernel.server..", "dev.quiver.kernel.handlers..")
        .check(quiver);
  }

  @Test
  void noImportCircleInTheRuntimeOutsideTheCoreTriangle() {
    // Top-level classes of the runtime and what each uses (a nested class counts as its outer one).
    Map<String, Set<String>> uses = new TreeMap<>();
    for (JavaClass c : quiver) {
      String from = topLevel(c.getName());
      if (!from.startsWith("dev.quiver.runtime.")) {
        continue;
      }
      Set<String> targets = uses.computeIfAbsent(from, k -> new TreeSet<>());
      c.getDirectDependenciesFromSelf()
          .forEach(
              d -> {
                String to = topLevel(d.getTargetClass().getBaseComponentType().getName());
                if (to.startsWith("dev.quiver.runtime.") && !to.equals(from)) {
                  targets.add(to);
                }
              });
    }
    var offending = new ArrayList<String>();
    for (Set<String> cycle : stronglyConnected(uses)) {
      if (cycle.size() > 1 && !cycle.stream().allMatch(c -> TRIANGLE.contains(packageOf(c)))) {
        offending.add(cycle.toString());
      }
    }
    assertEquals(
        List.of(),
        offending,
        "import circles in the runtime that reach outside Tensor/ops/autograd");
  }

  @Test
  void noMainSourceFileIsOverSixHundredLines() throws IOException {
    var tooLong = new TreeMap<String, Long>();
    for (String module : modules()) {
      Path main = ROOT.resolve(module).resolve("src/main");
      if (!Files.isDirectory(main)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(main)) {
        for (Path f :
            files
                .filter(p -> p.toString().endsWith(".java") || p.toString().endsWith(".kt"))
                .toList()) {
          String relative = ROOT.relativize(f).toString();
          long lines;
          try (Stream<String> l = Files.lines(f)) {
            lines = l.count();
          }
          if (lines > MAX_LINES && !LONG_FILES.contains(relative)) {
            tooLong.put(relative, lines);
          }
        }
      }
    }
    assertEquals(Map.of(), tooLong, "main source files over " + MAX_LINES + " lines");
  }

  static String topLevel(String name) {
    int dollar = name.indexOf('$');
    return dollar < 0 ? name : name.substring(0, dollar);
  }

  static String packageOf(String name) {
    return name.substring(0, name.lastIndexOf('.'));
  }

  /** Tarjan's algorithm, iterative: the strongly connected components of a directed graph. */
  static List<Set<String>> stronglyConnected(Map<String, Set<String>> graph) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new java.util.HashSet<>();
    List<Set<String>> components = new ArrayList<>();
    int[] counter = {0};
    for (String root : graph.keySet()) {
      if (index.containsKey(root)) {
        continue;
      }
      // Each frame: a node and the iterator over its successors.
      Deque<Map.Entry<String, java.util.Iterator<String>>> work = new ArrayDeque<>();
      enter(root, graph, index, low, stack, onStack, counter, work);
      while (!work.isEmpty()) {
        var frame = work.peek();
        String v = frame.getKey();
        if (frame.getValue().hasNext()) {
          String w = frame.getValue().next();
          if (!index.containsKey(w)) {
            enter(w, graph, index, low, stack, onStack, counter, work);
          } else if (onStack.contains(w)) {
            low.put(v, Math.min(low.get(v), index.get(w)));
          }
          continue;
        }
        work.pop();
        if (!work.isEmpty()) {
          String parent = work.peek().getKey();
          low.put(parent, Math.min(low.get(parent), low.get(v)));
        }
        if (low.get(v).equals(index.get(v))) {
          Set<String> component = new TreeSet<>();
          String w;
          do {
            w = stack.pop();
            onStack.remove(w);
            component.add(w);
          } while (!w.equals(v));
          components.add(component);
        }
      }
    }
    return components;
  }

  private static void enter(
      String v,
      Map<String, Set<String>> graph,
      Map<String, Integer> index,
      Map<String, Integer> low,
      Deque<String> stack,
      Set<String> onStack,
      int[] counter,
      Deque<Map.Entry<String, java.util.Iterator<String>>> work) {
    index.put(v, counter[0]);
    low.put(v, counter[0]);
    counter[0]++;
    stack.push(v);
    onStack.add(v);
    work.push(Map.entry(v, graph.getOrDefault(v, Set.of()).iterator()));
  }
}
