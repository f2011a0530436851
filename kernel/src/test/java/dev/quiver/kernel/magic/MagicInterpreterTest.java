package dev.quiver.kernel.magic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.display.MimeBundle;
import dev.quiver.kernel.Interpreter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The magic layer over an interpreter, with a cell language registered beside the built-in magics.
 */
class MagicInterpreterTest {

  /** Records what reaches it; answers with the code it ran. */
  private static final class Recording implements Interpreter {
    final List<String> ran = new ArrayList<>();
    final List<String> classPath = new ArrayList<>();

    @Override
    public boolean addToClasspath(String path) {
      classPath.add(path);
      return true;
    }

    @Override
    public Outcome execute(String code, int executionCount, Output out) {
      ran.add(code);
      return new Outcome.Ok(MimeBundle.text(code));
    }

    @Override
    public Completion complete(String code, int cursor) {
      return new Completion(List.of("java"), 0, cursor);
    }

    @Override
    public Inspection inspect(String code, int cursor, int detailLevel) {
      return new Inspection(true, MimeBundle.text("java doc"));
    }

    @Override
    public Completeness isComplete(String code) {
      return new Completeness("complete", "");
    }

    @Override
    public KernelInfo kernelInfo() {
      return new KernelInfo(
          new LanguageInfo("java", "25", "text/x-java", ".jshell", "java", "text/x-java"),
          "banner",
          List.of());
    }

    @Override
    public void interrupt() {}

    @Override
    public void close() {}
  }

  private static final Interpreter.Output NOWHERE =
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

  private final Recording java = new Recording();
  private final List<String> toyBodies = new ArrayList<>();
  private final MagicInterpreter magic =
      new MagicInterpreter(java)
          .register(
              new CellLanguageHandler() {
                @Override
                public String name() {
                  return "toy";
                }

                @Override
                public Interpreter.Outcome execute(
                    String body, int executionCount, Interpreter.Output out) {
                  toyBodies.add(body);
                  return new Interpreter.Outcome.Ok(null);
                }

                @Override
                public Interpreter.Completion complete(String cell, int cursor) {
                  return new Interpreter.Completion(
                      List.of("toy:" + cell.length()), cursor, cursor);
                }
              });

  @Test
  void sparkLoadsItsJarsAndImportsOnFirstUseOnly() {
    var unbuilt = magic.execute("%spark", 1, NOWHERE);
    assertEquals(
        "NotAvailable", assertInstanceOf(Interpreter.Outcome.Error.class, unbuilt).ename());
    assertEquals(List.of(), java.classPath);

    magic.sparkClassPath("/q/spark.jar:/m2/spark-core.jar");
    magic.execute("%spark\nvar s = Spark.local();", 2, NOWHERE);
    assertEquals(List.of("/q/spark.jar:/m2/spark-core.jar"), java.classPath);
    assertEquals(List.of(MagicInterpreter.SPARK_IMPORTS, "var s = Spark.local();"), java.ran);
    magic.execute("%spark\n1", 3, NOWHERE);
    assertEquals(1, java.classPath.size(), "the jars are added once");
    assertEquals("1", java.ran.getLast());
  }

  @Test
  void aRegisteredLanguageGetsItsCellsWithTheNotebooksLineNumbers() {
    magic.execute("\n%%toy\nline two\nline three", 1, NOWHERE);
    // Blank lines stand for the lines before the body: the language counts lines as the notebook
    // does.
    assertEquals(List.of("\n\nline two\nline three"), toyBodies);
    assertEquals(List.of(), java.ran);
    magic.execute("%%toys\nx", 2, NOWHERE);
    assertEquals(1, toyBodies.size());
  }

  @Test
  void completionAndInspectionFollowTheCellsLanguage() {
    assertEquals(List.of("toy:8"), magic.complete("%%toy\nab", 8).matches()); // the whole cell
    assertEquals(List.of("java"), magic.complete("ab", 2).matches());
    // A language without inspection says so rather than asking Java about its code.
    assertEquals(false, magic.inspect("%%toy\nab", 8, 0).found());
    assertEquals(true, magic.inspect("ab", 2, 0).found());
  }

  @Test
  void theMagicListsNameTheRegisteredLanguages() {
    var listed =
        assertInstanceOf(Interpreter.Outcome.Ok.class, magic.execute("%lsmagic", 1, NOWHERE));
    assertTrue(
        listed.result().text().startsWith("Cell magics: %%html %%markdown %%latex %%time %%toy\n"),
        listed.result().text());
    var unknown =
        assertInstanceOf(
            Interpreter.Outcome.Error.class, magic.execute("%%ruby\nputs 1", 1, NOWHERE));
    assertEquals("UnknownMagic", unknown.ename());
    assertTrue(unknown.evalue().contains("%%toy"), unknown.evalue());
  }

  @Test
  void aNameCanBeRegisteredOnce() {
    magic.register(new KotlinLanguage((body, n, out) -> new Interpreter.Outcome.Ok(null)));
    var again =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                magic.register(
                    new KotlinLanguage((body, n, out) -> new Interpreter.Outcome.Ok(null))));
    assertEquals(
        "%%kotlin is a cell magic already; known: %%html %%markdown %%latex %%time %%toy %%kotlin",
        again.getMessage());
    var builtIn =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                magic.register(
                    new CellLanguageHandler() {
                      @Override
                      public String name() {
                        return "time";
                      }

                      @Override
                      public Interpreter.Outcome execute(
                          String body, int executionCount, Interpreter.Output out) {
                        return null;
                      }
                    }));
    assertEquals(
        "%%time is a cell magic already; known: %%html %%markdown %%latex %%time %%toy %%kotlin",
        builtIn.getMessage());
  }

  @Test
  void kernelInfoIsTheInterpreters() {
    assertEquals(java.kernelInfo(), magic.kernelInfo());
  }
}
