package dev.quiver.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The seam of other cell languages: a host found by name on the class path, handed the cell. */
class CellLanguagesTest {

  /** A host registered in this module's test resources (META-INF/services). */
  public static final class Echo implements CellLanguage {
    @Override
    public String name() {
      return "echo";
    }

    @Override
    public Object eval(Cell cell) {
      if (cell.code().isBlank()) {
        return CellLanguages.NO_VALUE;
      }
      return cell;
    }
  }

  @Test
  void theHostNamedGetsTheCellWithTheJavaVariables() throws Throwable {
    var value =
        CellLanguages.eval(
            "echo",
            "\nx + 1",
            7,
            new String[] {"dev.quiver.runtime.*"},
            new String[] {"x", "names"},
            new String[] {"int", "List<String>"},
            new Object[] {41, List.of("a")});
    assertEquals(
        new CellLanguage.Cell(
            "\nx + 1",
            7,
            List.of("dev.quiver.runtime.*"),
            List.of(
                new CellLanguage.Variable("x", "int", 41),
                new CellLanguage.Variable("names", "List<String>", List.of("a")))),
        value);
    assertSame(
        CellLanguages.NO_VALUE,
        CellLanguages.eval(
            "echo", " ", 8, new String[0], new String[0], new String[0], new Object[0]));
    assertEquals("<quiver:no-value>", CellLanguages.NO_VALUE.toString());
  }

  @Test
  void anUnknownLanguageNamesTheHostsThereAre() {
    var e =
        assertThrows(
            IllegalStateException.class,
            () ->
                CellLanguages.eval(
                    "cobol", "", 1, new String[0], new String[0], new String[0], new Object[0]));
    assertEquals(
        "no host for cobol cells on the cell JVM's class path (hosts found: echo)", e.getMessage());
  }

  @Test
  void variablesMustComeInMatchingArrays() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                CellLanguages.eval(
                    "echo",
                    "",
                    1,
                    new String[0],
                    new String[] {"x"},
                    new String[0],
                    new Object[0]));
    assertEquals(
        "CellLanguages.eval: 1 names, 0 types and 0 values; they must match", e.getMessage());
  }
}
