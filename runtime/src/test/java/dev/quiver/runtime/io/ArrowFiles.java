package dev.quiver.runtime.io;

import dev.quiver.runtime.memory.Memory;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Writes Arrow files the way another implementation might, including ones TensorFile must refuse,
 * with plain Arrow Java and no help from the code under test.
 */
final class ArrowFiles {
  static final ArrowType FLOAT32 = new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
  static final ArrowType INT64 = new ArrowType.Int(64, true);

  private ArrowFiles() {}

  /** A FixedSizeList column with the given field metadata ({@code null}: none). */
  static Field list(
      String name,
      ArrowType element,
      int listSize,
      String extensionName,
      String extensionMetadata) {
    var meta = new java.util.HashMap<String, String>();
    if (extensionName != null) {
      meta.put("ARROW:extension:name", extensionName);
    }
    if (extensionMetadata != null) {
      meta.put("ARROW:extension:metadata", extensionMetadata);
    }
    return new Field(
        name,
        new FieldType(true, new ArrowType.FixedSizeList(listSize), null, meta),
        List.of(new Field("item", FieldType.nullable(element), null)));
  }

  static Field tensor(String name, ArrowType element, int listSize, String shapeJson) {
    return list(name, element, listSize, "arrow.fixed_shape_tensor", shapeJson);
  }

  static Field plain(String name, ArrowType type, Map<String, String> metadata) {
    return new Field(name, new FieldType(true, type, null, metadata), null);
  }

  /** One batch per entry of {@code batchRows}; element i of a list column holds the value i. */
  static void writeFile(Path file, List<Field> fields, int... batchRows) throws IOException {
    writeFile(file, fields, root -> {}, batchRows);
  }

  /** As above, with {@code edit} applied to each batch after it is filled (to plant nulls, say). */
  static void writeFile(
      Path file,
      List<Field> fields,
      java.util.function.Consumer<VectorSchemaRoot> edit,
      int... batchRows)
      throws IOException {
    try (BufferAllocator allocator =
            Memory.allocator().newChildAllocator("test", 0, Long.MAX_VALUE);
        var root = VectorSchemaRoot.create(new Schema(fields), allocator);
        var out =
            FileChannel.open(
                file,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        var writer = new ArrowFileWriter(root, null, out)) {
      writer.start();
      for (int rows : batchRows) {
        fill(root, rows);
        edit.accept(root);
        writer.writeBatch();
      }
      writer.end();
    }
  }

  static void writeStream(Path file, List<Field> fields) throws IOException {
    try (BufferAllocator allocator =
            Memory.allocator().newChildAllocator("test", 0, Long.MAX_VALUE);
        var root = VectorSchemaRoot.create(new Schema(fields), allocator);
        var out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        var writer = new ArrowStreamWriter(root, null, out)) {
      fill(root, 1);
      writer.start();
      writer.writeBatch();
      writer.end();
    }
  }

  private static void fill(VectorSchemaRoot root, int rows) {
    for (FieldVector v : root.getFieldVectors()) {
      v.clear();
      v.setInitialCapacity(rows);
      v.allocateNew();
      if (v instanceof FixedSizeListVector list) {
        int n = rows * list.getListSize();
        for (int i = 0; i < n; i++) {
          set(list.getDataVector(), i);
        }
        list.getDataVector().setValueCount(n);
        for (int r = 0; r < rows; r++) {
          list.setNotNull(r);
        }
      } else {
        for (int r = 0; r < rows; r++) {
          set(v, r);
        }
      }
    }
    root.setRowCount(rows);
  }

  private static void set(FieldVector v, int i) {
    switch (v) {
      case Float4Vector f -> f.setSafe(i, i);
      case Float8Vector d -> d.setSafe(i, i);
      case IntVector n -> n.setSafe(i, i);
      case BigIntVector n -> n.setSafe(i, i);
      case org.apache.arrow.vector.UInt4Vector n -> n.setSafe(i, i);
      default -> throw new IllegalArgumentException("test helper cannot fill " + v.getClass());
    }
  }
}
