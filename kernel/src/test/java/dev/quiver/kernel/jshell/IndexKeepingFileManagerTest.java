package dev.quiver.kernel.jshell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IndexKeepingFileManagerTest {

  @Test
  void theSameMultiReleaseValueAgainDoesNotReachTheFileManagerAndAnythingElseDoes() {
    var handled = new ArrayList<String>();
    var counting = optionsInto(handled);
    var manager = new IndexKeepingFileManager(counting);
    for (int i = 0; i < 3; i++) {
      assertTrue(manager.handleOption("--multi-release", List.of("25").iterator()));
    }
    manager.handleOption("-classpath", List.of("a.jar").iterator());
    manager.handleOption("--multi-release", List.of("25").iterator());
    manager.handleOption("--multi-release", List.of("24").iterator());
    assertEquals(List.of("--multi-release 25", "-classpath a.jar", "--multi-release 24"), handled);
  }

  /** A class path added after compiles have run (as %classpath does) is seen by the next one. */
  @Test
  void aClassPathAddedLaterIsSeen(@TempDir Path dir) throws Exception {
    var classes =
        CompiledClasses.folder(
            dir,
            "later",
            "package later; public class Hello { public static String hi() { return \"hi\"; } }");
    try (var js =
        JShell.builder()
            .executionEngine("local")
            .fileManager(IndexKeepingFileManager::new)
            .build()) {
      assertEquals("2", js.eval("1 + 1").getFirst().value());
      assertEquals(Snippet.Status.VALID, js.eval("int three() { return 3; }").getFirst().status());
      assertEquals("3", js.eval("three()").getFirst().value());
      var before = js.eval("later.Hello.hi()").getFirst();
      assertEquals(Snippet.Status.REJECTED, before.status(), "not on the class path yet");
      js.addToClasspath(classes.toString());
      assertEquals("\"hi\"", js.eval("later.Hello.hi()").getFirst().value());
    }
  }

  @Test
  void aClassPathOptionLosesTheHiddenClassPathInFrontOnly() {
    var handled = new ArrayList<String>();
    var counting = optionsInto(handled);
    var sep = java.io.File.pathSeparator;
    var manager = new IndexKeepingFileManager(counting, "k1.jar" + sep + "k2.jar");
    manager.handleOption(
        "-classpath", List.of("k1.jar" + sep + "k2.jar" + sep + "u.jar").iterator());
    manager.handleOption("--class-path", List.of("u.jar" + sep + "k1.jar").iterator());
    manager.handleOption("-cp", List.of("k1.jar" + sep + "k2.jar").iterator());
    manager.handleOption("-classpath", List.of("k1.jar" + sep + "k2.jarx.jar").iterator());
    assertEquals(
        List.of(
            "-classpath u.jar",
            "--class-path u.jar" + sep + "k1.jar",
            "-cp k1.jar" + sep + "k2.jar",
            "-classpath k1.jar" + sep + "k2.jarx.jar"),
        handled);
  }

  /**
   * JShell compiles against the kernel JVM's class path, then what was added: with the kernel's
   * class path hidden, a cell sees what was added (the cells' class path, {@code %classpath}) and
   * not the kernel's own jars (here JUnit's, on the test JVM's class path only).
   */
  @Test
  void theKernelsOwnClassPathIsNotCompiledAgainst(@TempDir Path dir) throws Exception {
    var classes =
        CompiledClasses.folder(
            dir,
            "cells",
            "package cells; public class Ok { public static int two() { return 2; } }");
    var more =
        CompiledClasses.folder(
            dir,
            "more",
            "package more; public class Later { public static int three() { return 3; } }");
    try (var js =
        JShell.builder()
            .executionEngine("local")
            .fileManager(IndexKeepingFileManager::new)
            .build()) {
      js.addToClasspath(classes.toString());
      assertEquals("2", js.eval("cells.Ok.two()").getFirst().value());
      var junit = js.eval("org.junit.jupiter.api.Assertions.class.getName()").getFirst();
      assertEquals(
          Snippet.Status.REJECTED, junit.status(), "JUnit is on the test JVM's class path only");
      assertTrue(
          js.diagnostics(junit.snippet())
              .anyMatch(d -> d.getMessage(Locale.ROOT).contains("org.junit.jupiter.api")),
          "the error names the package");
      js.addToClasspath(more.toString());
      assertEquals("3", js.eval("more.Later.three()").getFirst().value());
      assertEquals("2", js.eval("cells.Ok.two()").getFirst().value());
    }
  }

  /** A package of the JDK's modules is listed once; the class path each time, as before. */
  @Test
  void theJdksPackagesAreListedOnce(@TempDir Path dir) throws Exception {
    var classes = CompiledClasses.folder(dir, "cells", "package cells; public class Ok {}");
    var javac = ToolProvider.getSystemJavaCompiler();
    var real = javac.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8);
    var listed = new ArrayList<String>();
    var counting =
        (StandardJavaFileManager)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {StandardJavaFileManager.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("list")) {
                    listed.add(
                        ((javax.tools.JavaFileManager.Location) args[0]).getName() + " " + args[1]);
                  }
                  try {
                    return method.invoke(real, args);
                  } catch (java.lang.reflect.InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    try (var manager = new IndexKeepingFileManager(counting, "")) {
      manager.handleOption("-classpath", List.of(classes.toString()).iterator());
      var base =
          manager.getLocationForModule(javax.tools.StandardLocation.SYSTEM_MODULES, "java.base");
      var kinds = java.util.Set.of(javax.tools.JavaFileObject.Kind.CLASS);
      var first = new ArrayList<String>();
      manager.list(base, "java.util", kinds, false).forEach(f -> first.add(f.getName()));
      var again = new ArrayList<String>();
      manager.list(base, "java.util", kinds, false).forEach(f -> again.add(f.getName()));
      assertEquals(first, again);
      assertTrue(first.stream().anyMatch(n -> n.endsWith("ArrayList.class")), first.toString());
      for (int i = 0; i < 2; i++) {
        var cells = new ArrayList<String>();
        manager
            .list(javax.tools.StandardLocation.CLASS_PATH, "cells", kinds, false)
            .forEach(f -> cells.add(f.getName()));
        assertEquals(1, cells.size(), cells.toString());
      }
      assertEquals(
          List.of("SYSTEM_MODULES[java.base] java.util", "CLASS_PATH cells", "CLASS_PATH cells"),
          listed);
    }
  }

  /** A file manager that only records the options it is given ("name value") in {@code handled}. */
  private static StandardJavaFileManager optionsInto(List<String> handled) {
    return (StandardJavaFileManager)
        Proxy.newProxyInstance(
            IndexKeepingFileManagerTest.class.getClassLoader(),
            new Class<?>[] {StandardJavaFileManager.class},
            (proxy, method, args) -> {
              if (method.getName().equals("handleOption")) {
                var rest = (java.util.Iterator<?>) args[1];
                handled.add(args[0] + (rest.hasNext() ? " " + rest.next() : ""));
                return true;
              }
              return null;
            });
  }
}
