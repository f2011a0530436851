package dev.quiver.runtime.io;

import static dev.quiver.runtime.io.ArrowFiles.FLOAT32;
import static dev.quiver.runtime.io.ArrowFiles.INT64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.memory.Memory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorFileErrorsTest {
  @TempDir Path dir;

  // ------------------------------------------------------------------ files that are not tensor
  // files

  @Test
  void textFileIsNotArrow() throws IOException {
    Path file = dir.resolve("notes.arrow");
    Files.writeString(file, "these are not the tensors you are looking for");
    var e = assertThrows(TensorFileException.class, () -> TensorFile.load(file));
    assertMessage(e, file.toString(), "is not an Arrow IPC file");
  }

  @Test
  void emptyFileIsNotArrow() throws IOException {
    Path file = Files.createFile(dir.resolve("empty.arrow"));
    assertMessage(
        assertThrows(TensorFileException.class, () -> TensorFile.load(file)),
        file.toString(),
        "is empty");
  }

  @Test
  void arrowStreamIsNamedAsSuch() throws IOException {
    Path file = dir.resolve("stream.arrows");
    ArrowFiles.writeStream(file, List.of(ArrowFiles.tensor("x", FLOAT32, 2, "{\"shape\":[2]}")));
    assertMessage(
        assertThrows(TensorFileException.class, () -> TensorFile.load(file)), "Arrow IPC stream");
  }

  @Test
  void missingFileIsNoSuchFile() {
    assertThrows(NoSuchFileException.class, () -> TensorFile.load(dir.resolve("absent.arrow")));
  }

  // ------------------------------------------------------------------ columns that are not tensors

  @Test
  void plainColumnIsNotATensor() throws IOException {
    Path file =
        write(
            ArrowFiles.tensor("ok", FLOAT32, 1, "{\"shape\":[]}"),
            ArrowFiles.plain("labels", new ArrowType.Int(32, true), null));
    assertMessage(
        load(file),
        "column 'labels'",
        "is not an arrow.fixed_shape_tensor",
        "Int(32, true)",
        "no extension name");
  }

  @Test
  void fixedSizeListWithoutExtensionIsNotATensor() throws IOException {
    Path file = write(ArrowFiles.list("raw", FLOAT32, 3, null, null));
    assertMessage(
        load(file),
        "column 'raw'",
        "is not an arrow.fixed_shape_tensor",
        "FixedSizeList(3)",
        "FloatingPoint(SINGLE)");
  }

  @Test
  void otherExtensionIsNamed() throws IOException {
    Path file = write(ArrowFiles.list("img", FLOAT32, 3, "arrow.variable_shape_tensor", "{}"));
    assertMessage(load(file), "column 'img'", "extension name 'arrow.variable_shape_tensor'");
  }

  @Test
  void tensorExtensionOnWrongStorage() throws IOException {
    Path file =
        write(
            ArrowFiles.plain(
                "x",
                new ArrowType.Int(32, true),
                Map.of(
                    "ARROW:extension:name",
                    "arrow.fixed_shape_tensor",
                    "ARROW:extension:metadata",
                    "{\"shape\":[]}")));
    assertMessage(load(file), "column 'x'", "storage type is Int(32, true)", "not a FixedSizeList");
  }

  @Test
  void shapeDisagreeingWithListSize() throws IOException {
    Path file = write(ArrowFiles.tensor("w", FLOAT32, 5, "{\"shape\":[2,2]}"));
    assertMessage(load(file), "column 'w'", "shape [2, 2] has 4 elements", "FixedSizeList holds 5");
  }

  @Test
  void unsupportedElementType() throws IOException {
    Path file = write(ArrowFiles.tensor("ids", INT64, 2, "{\"shape\":[2]}"));
    assertMessage(load(file), "column 'ids'", "Int(64, true)", "float32", "int32");
  }

  @Test
  void unsignedInt32IsUnsupported() throws IOException {
    Path file = write(ArrowFiles.tensor("u", new ArrowType.Int(32, false), 1, "{\"shape\":[1]}"));
    assertMessage(load(file), "column 'u'", "Int(32, false)");
  }

  @Test
  void malformedShapeMetadata() throws IOException {
    assertMessage(
        load(write(ArrowFiles.tensor("a", FLOAT32, 1, "{\"shape\":[1"))),
        "column 'a'",
        "not valid JSON");
    assertMessage(
        load(write(ArrowFiles.tensor("b", FLOAT32, 1, "[1]"))), "column 'b'", "not a JSON object");
    assertMessage(
        load(write(ArrowFiles.tensor("c", FLOAT32, 1, "{\"dims\":[1]}"))),
        "column 'c'",
        "no \"shape\"");
    assertMessage(
        load(write(ArrowFiles.tensor("d", FLOAT32, 1, "{\"shape\":[-1]}"))),
        "column 'd'",
        "shape entry 0",
        "not a non-negative integer");
    assertMessage(
        load(write(ArrowFiles.tensor("e", FLOAT32, 1, "{\"shape\":[1.5]}"))),
        "column 'e'",
        "shape entry 0");
    assertMessage(
        load(write(ArrowFiles.tensor("f", FLOAT32, 1, null))),
        "column 'f'",
        "no ARROW:extension:metadata");
    assertMessage(
        load(write(ArrowFiles.tensor("g", FLOAT32, 2, "{\"shape\":[1,2],\"permutation\":[0,0]}"))),
        "column 'g'",
        "not a permutation of 0..1");
  }

  @Test
  void duplicateAndEmptyColumnNames() throws IOException {
    Field x = ArrowFiles.tensor("x", FLOAT32, 1, "{\"shape\":[]}");
    assertMessage(load(write(x, x)), "two columns are named 'x'");
    assertMessage(
        load(write(x, ArrowFiles.tensor("", FLOAT32, 1, "{\"shape\":[]}"))),
        "column 1 has an empty name");
  }

  @Test
  void moreThanOneRowOrBatch() throws IOException {
    var fields = List.of(ArrowFiles.tensor("x", FLOAT32, 2, "{\"shape\":[2]}"));
    Path rows = dir.resolve("rows.arrow");
    ArrowFiles.writeFile(rows, fields, 2);
    assertMessage(load(rows), "has 2 rows");
    Path batches = dir.resolve("batches.arrow");
    ArrowFiles.writeFile(batches, fields, 1, 1);
    assertMessage(load(batches), "holds 2 record batches");
  }

  @Test
  void nullElementsAreRefused() throws IOException {
    Path file = dir.resolve("nulls.arrow");
    ArrowFiles.writeFile(
        file,
        List.of(ArrowFiles.tensor("x", FLOAT32, 3, "{\"shape\":[3]}")),
        root ->
            ((BaseFixedWidthVector) ((FixedSizeListVector) root.getVector(0)).getDataVector())
                .setNull(1),
        1);
    assertMessage(load(file), "column 'x'", "has 1 null elements");
  }

  @Test
  void nullRowIsRefused() throws IOException {
    Path file = dir.resolve("nullrow.arrow");
    ArrowFiles.writeFile(
        file,
        List.of(ArrowFiles.tensor("x", FLOAT32, 3, "{\"shape\":[3]}")),
        root -> ((FixedSizeListVector) root.getVector(0)).setNull(0),
        1);
    assertMessage(load(file), "column 'x' is null");
  }

  @Test
  void failedLoadLeavesNoMemoryBehind() throws IOException {
    // The first column loads into a tensor before the second fails: that tensor must be freed too.
    Path file = dir.resolve("half.arrow");
    ArrowFiles.writeFile(
        file,
        List.of(
            ArrowFiles.tensor("a", FLOAT32, 1000, "{\"shape\":[1000]}"),
            ArrowFiles.tensor("b", FLOAT32, 3, "{\"shape\":[3]}")),
        root -> ((FixedSizeListVector) root.getVector(1)).setNull(0),
        1);
    long before = Memory.collect();
    load(file);
    assertEquals(before, Memory.bytesInUse());
  }

  // ------------------------------------------------------------------ bad arguments to save

  @Test
  void emptyNullAndMissingNamesOrTensorsAreRefusedBeforeWriting() {
    Path file = dir.resolve("never.arrow");
    var empty = new LinkedHashMap<String, Tensor>();
    empty.put("ok", Tensor.of(1f));
    empty.put("", Tensor.of(2f));
    assertMessage(
        assertThrows(IllegalArgumentException.class, () -> TensorFile.save(file, empty)),
        "names must be non-empty",
        "column 1");

    var nullName = new HashMap<String, Tensor>();
    nullName.put(null, Tensor.of(1f));
    assertMessage(
        assertThrows(IllegalArgumentException.class, () -> TensorFile.save(file, nullName)),
        "got null");

    var nullTensor = new HashMap<String, Tensor>();
    nullTensor.put("w", null);
    assertMessage(
        assertThrows(IllegalArgumentException.class, () -> TensorFile.save(file, nullTensor)),
        "tensor 'w' is null");

    assertThrows(IllegalArgumentException.class, () -> TensorFile.save(file, null));
    assertFalse(Files.exists(file));
  }

  @Test
  void failedSaveLeavesTheExistingFileUntouched() throws IOException {
    Path file = dir.resolve("model.arrow");
    TensorFile.save(file, Map.of("w", Tensor.of(1f, 2f, 3f)));
    byte[] good = Files.readAllBytes(file);

    Tensor closed = Tensor.of(4f, 5f);
    closed.close();
    var tensors = new LinkedHashMap<String, Tensor>();
    tensors.put("w", Tensor.randn(100, 100));
    tensors.put("gone", closed);
    long before = Memory.collect();
    var e = assertThrows(IllegalStateException.class, () -> TensorFile.save(file, tensors));
    assertMessage(e, "tensor 'gone'", "released");

    assertArrayEquals(good, Files.readAllBytes(file));
    assertEquals(List.of(file), TestFiles.list(dir), "the temporary file is removed");
    assertEquals(before, Memory.bytesInUse(), "the staging vectors are released");
    assertEquals(Collections.singletonList("w"), List.copyOf(TensorFile.load(file).keySet()));
  }

  // ------------------------------------------------------------------ helpers

  private int files;

  private Path write(Field... fields) throws IOException {
    Path file = dir.resolve("f" + files++ + ".arrow");
    ArrowFiles.writeFile(file, List.of(fields), 1);
    return file;
  }

  private static TensorFileException load(Path file) {
    return assertThrows(TensorFileException.class, () -> TensorFile.load(file));
  }

  private static void assertMessage(Throwable e, String... parts) {
    for (String part : parts) {
      assertTrue(
          e.getMessage().contains(part), () -> "expected \"" + part + "\" in: " + e.getMessage());
    }
  }
}
