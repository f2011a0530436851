package dev.quiver.runtime.io;

import static dev.quiver.runtime.io.ArrowFiles.FLOAT32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.memory.Memory;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ExtensionTypeVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.ExtensionTypeRegistry;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bytes on disk are the canonical extension type, and files laid out by other writers load. */
class TensorFileFormatTest {
  @TempDir Path dir;

  @Test
  void schemaIsTheCanonicalFixedShapeTensor() throws IOException {
    var tensors = new LinkedHashMap<String, Tensor>();
    tensors.put("w", Tensor.zeros(2, 3));
    tensors.put("s", Tensor.scalar(1, dev.quiver.runtime.DType.FLOAT64));
    tensors.put("i", Tensor.ofInts(1, 2, 3, 4).reshape(2, 1, 2));
    Path file = dir.resolve("f.arrow");
    TensorFile.save(file, tensors);

    try (BufferAllocator allocator =
            Memory.allocator().newChildAllocator("test", 0, Long.MAX_VALUE);
        var reader = new ArrowFileReader(FileChannel.open(file), allocator)) {
      List<Field> fields = reader.getVectorSchemaRoot().getSchema().getFields();
      assertField(
          fields.get(0),
          "w",
          6,
          "{\"shape\":[2,3]}",
          new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE));
      assertField(
          fields.get(1),
          "s",
          1,
          "{\"shape\":[]}",
          new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE));
      assertField(fields.get(2), "i", 4, "{\"shape\":[2,1,2]}", new ArrowType.Int(32, true));
      assertEquals(1, reader.getRecordBlocks().size());
      reader.loadNextBatch();
      assertEquals(1, reader.getVectorSchemaRoot().getRowCount());
    }
  }

  private static void assertField(
      Field f, String name, int listSize, String metadata, ArrowType element) {
    assertEquals(name, f.getName());
    assertEquals(new ArrowType.FixedSizeList(listSize), f.getType());
    assertEquals(
        Map.of(
            "ARROW:extension:name",
            "arrow.fixed_shape_tensor",
            "ARROW:extension:metadata",
            metadata),
        f.getMetadata());
    assertEquals(1, f.getChildren().size());
    assertEquals("item", f.getChildren().getFirst().getName());
    assertEquals(element, f.getChildren().getFirst().getType());
  }

  @Test
  void permutationFromAnotherWriterGivesTheLogicalView() throws IOException {
    // Physical [2,3] holding 0..5 row-major; logical axis 0 is physical axis 1.
    Path file = dir.resolve("p.arrow");
    ArrowFiles.writeFile(
        file,
        List.of(ArrowFiles.tensor("p", FLOAT32, 6, "{\"shape\":[2,3],\"permutation\":[1,0]}")),
        1);
    Tensor p = TensorFile.load(file).get("p");
    assertArrayEquals(new long[] {3, 2}, p.shape());
    assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, p.toFloatArray());
  }

  @Test
  void dimNamesAreAccepted() throws IOException {
    Path file = dir.resolve("d.arrow");
    ArrowFiles.writeFile(
        file,
        List.of(
            ArrowFiles.tensor("img", FLOAT32, 6, "{\"shape\":[2,3],\"dim_names\":[\"H\",\"W\"]}")),
        1);
    Tensor t = TensorFile.load(file).get("img");
    assertArrayEquals(new long[] {2, 3}, t.shape());
    assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, t.toFloatArray());
  }

  @Test
  void loadsWhenArrowJavaHasAnExtensionTypeRegisteredForTheName() throws IOException {
    Path file = dir.resolve("r.arrow");
    TensorFile.save(file, Map.of("x", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2)));
    var registered = new RegisteredTensorType(new ArrowType.FixedSizeList(1), "{}");
    ExtensionTypeRegistry.register(registered);
    try {
      // Arrow Java now hands the reader an ExtensionType field and an ExtensionTypeVector.
      try (BufferAllocator allocator =
              Memory.allocator().newChildAllocator("test", 0, Long.MAX_VALUE);
          var reader = new ArrowFileReader(FileChannel.open(file), allocator)) {
        assertInstanceOf(
            ArrowType.ExtensionType.class,
            reader.getVectorSchemaRoot().getSchema().getFields().getFirst().getType());
      }
      Tensor x = TensorFile.load(file).get("x");
      assertArrayEquals(new long[] {2, 2}, x.shape());
      assertArrayEquals(new float[] {1, 2, 3, 4}, x.toFloatArray());
    } finally {
      ExtensionTypeRegistry.unregister(registered);
    }
    assertTrue(ExtensionTypeRegistry.lookup("arrow.fixed_shape_tensor") == null);
  }

  /**
   * What some other library on the class path might register: the name, with Arrow Java's
   * machinery.
   */
  private static final class RegisteredTensorType extends ArrowType.ExtensionType {
    private final ArrowType storage;
    private final String metadata;

    RegisteredTensorType(ArrowType storage, String metadata) {
      this.storage = storage;
      this.metadata = metadata;
    }

    @Override
    public ArrowType storageType() {
      return storage;
    }

    @Override
    public String extensionName() {
      return "arrow.fixed_shape_tensor";
    }

    @Override
    public boolean extensionEquals(ArrowType.ExtensionType other) {
      return other instanceof RegisteredTensorType o
          && storage.equals(o.storage)
          && metadata.equals(o.metadata);
    }

    @Override
    public String serialize() {
      return metadata;
    }

    @Override
    public ArrowType deserialize(ArrowType storageType, String serialized) {
      return new RegisteredTensorType(storageType, serialized);
    }

    @Override
    public FieldVector getNewVector(String name, FieldType fieldType, BufferAllocator allocator) {
      return new Vector(
          name,
          allocator,
          new FixedSizeListVector(
              name, allocator, new FieldType(fieldType.isNullable(), storage, null), null));
    }
  }

  private static final class Vector extends ExtensionTypeVector<FixedSizeListVector> {
    Vector(String name, BufferAllocator allocator, FixedSizeListVector storage) {
      super(name, allocator, storage);
    }

    @Override
    public Object getObject(int index) {
      return getUnderlyingVector().getObject(index);
    }

    @Override
    public int hashCode(int index) {
      return getUnderlyingVector().hashCode(index);
    }

    @Override
    public int hashCode(int index, org.apache.arrow.memory.util.hash.ArrowBufHasher hasher) {
      return getUnderlyingVector().hashCode(index, hasher);
    }
  }
}
