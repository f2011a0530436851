package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.dsl.data.Csv;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CSV files as users get them: saved by Excel, hand-edited, or not there at all. */
class CsvUntrustedTest {
  @TempDir Path dir;

  private Path file(String name, byte[] bytes) throws IOException {
    return Files.write(dir.resolve(name), bytes);
  }

  private Path file(String name, String text) throws IOException {
    return file(name, text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aByteOrderMarkFromExcelIsNoPartOfTheFirstColumnsName() throws IOException {
    Path csv = file("excel.csv", "\uFEFFsepal,species\n5.1,setosa\n7.0,versicolor\n");
    var data = Csv.read(csv, "species");
    assertEquals(List.of("sepal"), data.featureNames());
    assertArrayEquals(new float[] {5.1f, 7.0f}, data.x().toFloatArray());
    // The label may be the first column too.
    var byFirst = Csv.read(file("first.csv", "\uFEFFy,x\n1,2\n3,4\n"), "y");
    assertArrayEquals(new float[] {1, 3}, byFirst.y().toFloatArray());
  }

  @Test
  void duplicateColumnNamesAreRefused() throws IOException {
    Path csv = file("dup.csv", "a,b,a,label\n1,2,3,x\n");
    var e = assertThrows(IllegalArgumentException.class, () -> Csv.read(csv, "label"));
    assertEquals(
        "Csv: dup.csv line 1: columns 1 and 3 are both named 'a'; column names must be unique",
        e.getMessage());
  }

  @Test
  void valuesThatAreNotFiniteAreRefusedNamingLineColumnAndValue() throws IOException {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Csv.read(file("big.csv", "a,b,label\n1,2,x\n3,1e39,y\n"), "label"));
    assertEquals(
        "Csv: big.csv line 3, column 'b': '1e39' is not a finite float32 number (it reads as"
            + " Infinity; float32 holds up to 3.4028235E38)",
        e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Csv.read(file("inf.csv", "a,label\n-Infinity,1\n"), "label"));
    assertTrue(
        e.getMessage().startsWith("Csv: inf.csv line 2, column 'a': '-Infinity'"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Csv.read(file("y.csv", "a,y\n1,2\n2,Infinity\n"), "y"));
    assertTrue(
        e.getMessage().startsWith("Csv: y.csv line 3, column 'y': 'Infinity'"), e.getMessage());
  }

  @Test
  void aMissingFileSaysItDoesNotExist() {
    Path absent = dir.resolve("absent.csv");
    var e = assertThrows(UncheckedIOException.class, () -> Csv.read(absent, "label"));
    assertEquals("Csv: " + absent + " does not exist", e.getMessage());
    assertTrue(e.getCause() instanceof NoSuchFileException);
    var d = assertThrows(IllegalArgumentException.class, () -> Csv.read(dir, "label"));
    assertEquals("Csv: " + dir + " is a directory, not a CSV file", d.getMessage());
  }
}
