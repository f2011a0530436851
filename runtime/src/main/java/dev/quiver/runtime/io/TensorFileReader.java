package dev.quiver.runtime.io;

import dev.quiver.runtime.Device;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.backend.Devices;
import dev.quiver.runtime.memory.Memory;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.ExtensionTypeVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * Reads an Arrow IPC file of {@code arrow.fixed_shape_tensor} columns into tensors.
 *
 * <p>The Arrow buffers live in a child allocator that is closed before {@link #read} returns, so
 * afterwards {@link Memory#bytesInUse()} holds only the tensors' own bytes; closing the child also
 * fails loudly should a buffer ever leak.
 */
final class TensorFileReader {
  /** An IPC stream starts with this continuation marker where a file starts with "ARROW1". */
  private static final int STREAM_CONTINUATION = 0xFFFFFFFF;

  private TensorFileReader() {}

  /**
   * Reads all tensors, in column order. {@code source} names the input in error messages. The
   * channel is read from position 0 and left open.
   */
  static Map<String, Tensor> read(SeekableByteChannel in, String source) throws IOException {
    try {
      return readAll(in, source);
    } catch (TensorFileException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      // Whatever else Arrow throws for damaged bytes: still the one documented type, file named.
      throw new TensorFileException(source + " cannot be read: " + e, e);
    }
  }

  private static Map<String, Tensor> readAll(SeekableByteChannel in, String source)
      throws IOException {
    try (BufferAllocator allocator =
            Memory.allocator().newChildAllocator("TensorFile.read", 0, Long.MAX_VALUE);
        var reader = new ArrowFileReader(new NonClosingSeekable(in), allocator)) {
      VectorSchemaRoot root;
      List<ArrowBlock> batches;
      Map<String, String> sums;
      try {
        root = reader.getVectorSchemaRoot();
        batches = reader.getRecordBlocks();
        sums = DataChecksum.read(reader.getMetaData(), source);
      } catch (RuntimeException e) {
        // InvalidArrowFileException for a missing magic number; garbage footers fail in the
        // flatbuffer decoder with whatever runtime exception the bytes happen to provoke.
        throw notArrowFile(in, source, e);
      }
      List<FixedShapeTensorField> fields = fields(root.getSchema().getFields(), source);
      if (batches.size() != 1) {
        throw new TensorFileException(
            source
                + " holds "
                + batches.size()
                + " record batches; a tensor file has exactly one, of one row");
      }
      // Arrow leaks the batch's body buffer when a lying batch fails to load, so its sizes are
      // checked against the file first: nothing is allocated for a batch that cannot be right.
      RecordBatchCheck.check(in, batches.getFirst(), source);
      try {
        reader.loadRecordBatch(batches.getFirst());
      } catch (IOException | RuntimeException e) {
        throw new TensorFileException(
            source + ": cannot load its record batch: " + e.getMessage(), e);
      }
      if (root.getRowCount() != 1) {
        throw new TensorFileException(
            source
                + " has "
                + root.getRowCount()
                + " rows; a tensor file has one row, each column holding one tensor");
      }
      return tensors(root, fields, sums, source);
    }
  }

  private static List<FixedShapeTensorField> fields(List<Field> schema, String source)
      throws TensorFileException {
    var fields = new ArrayList<FixedShapeTensorField>(schema.size());
    var names = new HashSet<String>();
    for (Field f : schema) {
      String name = f.getName();
      if (name == null || name.isEmpty()) {
        throw new TensorFileException(source + ": column " + fields.size() + " has an empty name");
      }
      if (!names.add(name)) {
        throw new TensorFileException(
            source + ": two columns are named '" + name + "'; tensor names must be unique");
      }
      try {
        fields.add(FixedShapeTensorField.fromArrow(f));
      } catch (TensorFileException e) {
        throw new TensorFileException(source + ": " + e.getMessage(), e);
      }
    }
    return fields;
  }

  private static Map<String, Tensor> tensors(
      VectorSchemaRoot root,
      List<FixedShapeTensorField> fields,
      Map<String, String> sums,
      String source)
      throws TensorFileException {
    if (sums != null && !sums.keySet().equals(fieldNames(fields))) {
      throw new TensorFileException(
          source
              + " has checksums for "
              + sums.keySet()
              + " but columns "
              + fieldNames(fields)
              + "; the file is damaged");
    }
    var tensors = new LinkedHashMap<String, Tensor>();
    try {
      for (int i = 0; i < fields.size(); i++) {
        FixedShapeTensorField field = fields.get(i);
        tensors.put(field.name(), copyOut(root.getVector(i), field, sums, source));
      }
      return tensors;
    } catch (Throwable e) {
      tensors
          .values()
          .forEach(Tensor::close); // a half-loaded file gives nothing back, so free it now
      throw e;
    }
  }

  private static java.util.Set<String> fieldNames(List<FixedShapeTensorField> fields) {
    var names = new java.util.LinkedHashSet<String>();
    fields.forEach(f -> names.add(f.name()));
    return names;
  }

  /** One bulk copy from the column's data buffer into a fresh tensor. */
  @SuppressWarnings(
      "restricted") // reinterpret: the size was checked against the ArrowBuf's capacity
  private static Tensor copyOut(
      FieldVector vector, FixedShapeTensorField field, Map<String, String> sums, String source)
      throws TensorFileException {
    String column = source + ": column '" + field.name() + "'";
    if (vector instanceof ExtensionTypeVector<?> ext) {
      vector = ext.getUnderlyingVector();
    }
    if (!(vector instanceof FixedSizeListVector list)
        || !(list.getDataVector() instanceof BaseFixedWidthVector data)) {
      throw new TensorFileException(
          column
              + " was read as "
              + vector.getClass().getSimpleName()
              + ", not a FixedSizeList of fixed-width values");
    }
    if (list.isNull(0)) {
      throw new TensorFileException(column + " is null; a tensor file has a value in every column");
    }
    int n = field.listSize();
    long bytes = n * (long) field.dtype().byteSize();
    ArrowBuf src = data.getDataBuffer();
    if (data.getValueCount() < n || src.capacity() < bytes) {
      throw new TensorFileException(
          column
              + " should hold "
              + n
              + " values but its data has "
              + data.getValueCount()
              + " values in "
              + src.capacity()
              + " bytes");
    }
    int nulls = data.getNullCount();
    if (nulls > 0) {
      throw new TensorFileException(
          column + " has " + nulls + " null elements; tensors have no missing values");
    }
    if (sums != null) {
      String sum = DataChecksum.of(src.memoryAddress(), bytes);
      if (!sum.equals(sums.get(field.name()))) {
        throw new TensorFileException(
            column
                + ": its values have checksum "
                + sum
                + " but the file says "
                + sums.get(field.name())
                + "; the file is damaged");
      }
    }
    // Filled in host memory, then moved to the default device like every tensor made from data.
    Tensor t = Tensor.empty(Device.CPU, field.dtype(), field.shape());
    if (bytes > 0) {
      MemorySegment.copy(
          MemorySegment.ofAddress(src.memoryAddress()).reinterpret(bytes),
          0,
          t.view().hostMemory(),
          0,
          bytes);
    }
    Tensor placed = t.to(Devices.getDefault());
    if (placed != t) {
      t.close();
    }
    return field.permutation() == null ? placed : placed.permute(field.permutation());
  }

  private static TensorFileException notArrowFile(
      SeekableByteChannel in, String source, RuntimeException cause) {
    String what = "is not an Arrow IPC file";
    try {
      var head = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      in.position(0);
      while (head.hasRemaining() && in.read(head) > 0) {
        // fill what there is
      }
      head.flip();
      if (head.remaining() >= 4 && head.getInt(0) == STREAM_CONTINUATION) {
        what =
            "is an Arrow IPC stream, not an Arrow IPC file (write it with ArrowFileWriter or pyarrow.ipc.new_file)";
      } else if (in.size() == 0) {
        what = "is empty, not an Arrow IPC file";
      }
    } catch (IOException | RuntimeException e) {
      cause.addSuppressed(e);
    }
    return new TensorFileException(source + " " + what + " (" + cause.getMessage() + ")", cause);
  }

  /** ArrowReader.close() closes its channel; the caller owns this one. */
  private record NonClosingSeekable(SeekableByteChannel channel) implements SeekableByteChannel {
    @Override
    public int read(ByteBuffer dst) throws IOException {
      return channel.read(dst);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      return channel.write(src);
    }

    @Override
    public long position() throws IOException {
      return channel.position();
    }

    @Override
    public SeekableByteChannel position(long newPosition) throws IOException {
      channel.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return channel.size();
    }

    @Override
    public SeekableByteChannel truncate(long size) throws IOException {
      channel.truncate(size);
      return this;
    }

    @Override
    public boolean isOpen() {
      return channel.isOpen();
    }

    @Override
    public void close() {}
  }
}
