package dev.quiver.runtime.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.runtime.DType;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;

/**
 * One tensor column as Arrow's canonical extension type {@code arrow.fixed_shape_tensor}: a {@code
 * FixedSizeList<element>[numel]} whose field metadata names the extension and carries {@code
 * {"shape":[...]}}.
 *
 * <p>Arrow Java 19 ships no class for this extension type, so the metadata is written by hand; that
 * is also what keeps the file readable by implementations that never registered one.
 *
 * @param name the column (tensor) name
 * @param dtype the element type
 * @param shape the physical, row-major shape
 * @param permutation the logical order of the physical axes ({@code null}: identity); only read,
 *     since Quiver always writes row-major
 */
record FixedShapeTensorField(String name, DType dtype, long[] shape, int[] permutation) {
  static final String EXTENSION_NAME = "arrow.fixed_shape_tensor";
  static final String KEY_NAME = ArrowType.ExtensionType.EXTENSION_METADATA_KEY_NAME;
  static final String KEY_METADATA = ArrowType.ExtensionType.EXTENSION_METADATA_KEY_METADATA;

  /**
   * The child name pyarrow and Arrow C++ give list elements; other readers compare storage types
   * with it.
   */
  static final String ITEM = "item";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Number of elements: the FixedSizeList's list size. */
  int listSize() {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return Math.toIntExact(n);
  }

  /**
   * The Arrow field to write: nullable like pyarrow's default, though Quiver never writes nulls.
   */
  Field toArrow() {
    ObjectNode meta = JSON.createObjectNode();
    var dims = meta.putArray("shape");
    for (long d : shape) {
      dims.add(d);
    }
    String json;
    try {
      json = JSON.writeValueAsString(meta);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "cannot happen: a JSON array of numbers failed to serialise", e);
    }
    var item = new Field(ITEM, FieldType.nullable(arrowType(dtype)), null);
    var type =
        new FieldType(
            true,
            new ArrowType.FixedSizeList(listSize()),
            null,
            Map.of(KEY_NAME, EXTENSION_NAME, KEY_METADATA, json));
    return new Field(name, type, List.of(item));
  }

  static ArrowType arrowType(DType dtype) {
    return switch (dtype) {
      case FLOAT32 -> new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
      case FLOAT64 -> new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
      case INT32 -> new ArrowType.Int(32, true);
      // A dtype added later must be given an Arrow type here before tensors of it can be saved.
      default ->
          throw new IllegalArgumentException("TensorFile cannot store dtype " + dtype + " yet");
    };
  }

  /**
   * Reads a column's field, checking everything that can be checked before its data is loaded.
   *
   * @throws TensorFileException naming the column and what about it is wrong
   */
  static FixedShapeTensorField fromArrow(Field field) throws TensorFileException {
    String column = "column '" + field.getName() + "'";
    ArrowType type = field.getType();
    List<Field> children = field.getChildren();
    String extension;
    String metadata;
    if (type instanceof ArrowType.ExtensionType ext) {
      // Someone registered an ExtensionType for this name with Arrow Java; it consumed the
      // metadata.
      extension = ext.extensionName();
      metadata = ext.serialize();
      type = ext.storageType();
    } else {
      Map<String, String> m = field.getMetadata();
      extension = m.get(KEY_NAME);
      metadata = m.get(KEY_METADATA);
    }
    if (!EXTENSION_NAME.equals(extension)) {
      throw new TensorFileException(
          column
              + " is not an "
              + EXTENSION_NAME
              + ": its type is "
              + describe(field)
              + (extension == null
                  ? " with no extension name"
                  : " with extension name '" + extension + "'"));
    }
    if (!(type instanceof ArrowType.FixedSizeList list) || children.size() != 1) {
      throw new TensorFileException(
          column
              + " is declared "
              + EXTENSION_NAME
              + " but its storage type is "
              + describe(field)
              + ", not a FixedSizeList");
    }
    DType dtype = dtypeOf(column, children.getFirst().getType());
    if (metadata == null) {
      throw new TensorFileException(
          column
              + " has no "
              + KEY_METADATA
              + "; "
              + EXTENSION_NAME
              + " requires {\"shape\":[...]}");
    }
    JsonNode json;
    try {
      json = JSON.readTree(metadata);
    } catch (JsonProcessingException e) {
      throw new TensorFileException(
          column
              + ": extension metadata '"
              + metadata
              + "' is not valid JSON: "
              + e.getOriginalMessage());
    }
    if (json == null || !json.isObject()) {
      throw new TensorFileException(
          column + ": extension metadata '" + metadata + "' is not a JSON object");
    }
    long[] shape = shapeOf(column, metadata, json.get("shape"));
    int[] permutation = permutationOf(column, metadata, json.get("permutation"), shape.length);
    long numel = 1;
    try {
      for (long d : shape) {
        numel = Math.multiplyExact(numel, d);
      }
    } catch (ArithmeticException e) {
      throw new TensorFileException(
          column + ": shape " + Arrays.toString(shape) + " has more elements than a long holds");
    }
    if (numel != list.getListSize()) {
      throw new TensorFileException(
          column
              + ": shape "
              + Arrays.toString(shape)
              + " has "
              + numel
              + " elements but its FixedSizeList holds "
              + list.getListSize());
    }
    return new FixedShapeTensorField(field.getName(), dtype, shape, permutation);
  }

  private static DType dtypeOf(String column, ArrowType element) throws TensorFileException {
    if (element instanceof ArrowType.FloatingPoint fp) {
      switch (fp.getPrecision()) {
        case SINGLE -> {
          return DType.FLOAT32;
        }
        case DOUBLE -> {
          return DType.FLOAT64;
        }
        default -> {}
      }
    } else if (element instanceof ArrowType.Int i && i.getBitWidth() == 32 && i.getIsSigned()) {
      return DType.INT32;
    }
    throw new TensorFileException(
        column
            + " has elements of type "
            + element
            + "; TensorFile reads float32 (FloatingPoint SINGLE), float64 (FloatingPoint DOUBLE) and int32 (Int 32 signed)");
  }

  private static long[] shapeOf(String column, String metadata, JsonNode node)
      throws TensorFileException {
    if (node == null || !node.isArray()) {
      throw new TensorFileException(
          column + ": extension metadata '" + metadata + "' has no \"shape\" array");
    }
    long[] shape = new long[node.size()];
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = node.get(i);
      if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
        throw new TensorFileException(
            column + ": shape entry " + i + " in '" + metadata + "' is not a non-negative integer");
      }
      shape[i] = d.asLong();
    }
    return shape;
  }

  private static int[] permutationOf(String column, String metadata, JsonNode node, int rank)
      throws TensorFileException {
    if (node == null || node.isNull()) {
      return null;
    }
    boolean[] seen = new boolean[rank];
    int[] p = new int[rank];
    boolean ok = node.isArray() && node.size() == rank;
    for (int i = 0; ok && i < rank; i++) {
      JsonNode v = node.get(i);
      ok = v.isIntegralNumber() && v.asLong() >= 0 && v.asLong() < rank && !seen[v.asInt()];
      if (ok) {
        p[i] = v.asInt();
        seen[p[i]] = true;
      }
    }
    if (!ok) {
      throw new TensorFileException(
          column
              + ": \"permutation\" in '"
              + metadata
              + "' is not a permutation of 0.."
              + (rank - 1));
    }
    return p;
  }

  /** A type as a reader would write it down: {@code FixedSizeList(6)<FloatingPoint(SINGLE)>}. */
  static String describe(Field field) {
    if (field.getChildren().isEmpty()) {
      return field.getType().toString();
    }
    return field.getType()
        + field.getChildren().stream()
            .map(FixedShapeTensorField::describe)
            .collect(Collectors.joining(", ", "<", ">"));
  }

  // Arrays compare by content so that fields read back equal the fields written.
  @Override
  public boolean equals(Object o) {
    return o instanceof FixedShapeTensorField f
        && name.equals(f.name)
        && dtype == f.dtype
        && Arrays.equals(shape, f.shape)
        && Arrays.equals(permutation, f.permutation);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * name.hashCode() + dtype.hashCode()) + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name
        + ": "
        + dtype
        + Arrays.toString(shape)
        + (permutation == null ? "" : " permuted " + Arrays.toString(permutation));
  }
}
