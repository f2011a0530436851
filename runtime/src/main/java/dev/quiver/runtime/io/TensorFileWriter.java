package dev.quiver.runtime.io;

import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.memory.Memory;
import dev.quiver.runtime.ops.Movement;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Writes named tensors as one Arrow IPC file: a single record batch of one row, one {@code
 * arrow.fixed_shape_tensor} column per tensor, in the map's order.
 *
 * <p>Everything that can be wrong with the arguments is checked when the writer is made, so that
 * {@link TensorFile#save} refuses bad input before it creates any file.
 */
final class TensorFileWriter {
  private record Column(FixedShapeTensorField field, Tensor tensor) {}

  private final String op;
  private final List<Column> columns;

  private TensorFileWriter(String op, List<Column> columns) {
    this.op = op;
    this.columns = columns;
  }

  /** Checks names, dtypes, devices and sizes. */
  static TensorFileWriter of(String op, Map<String, Tensor> tensors) {
    if (tensors == null) {
      throw new IllegalArgumentException(op + ": the map of tensors is null");
    }
    var columns = new ArrayList<Column>(tensors.size());
    for (var e : tensors.entrySet()) {
      String name = e.getKey();
      Tensor t = e.getValue();
      if (name == null || name.isEmpty()) {
        throw new IllegalArgumentException(
            op
                + ": tensor names must be non-empty, got "
                + (name == null ? "null" : "\"\"")
                + " (column "
                + columns.size()
                + ")");
      }
      if (t == null) {
        throw new IllegalArgumentException(op + ": tensor '" + name + "' is null");
      }
      if (t.numel() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            op
                + ": tensor '"
                + name
                + "' has "
                + t.numel()
                + " elements (shape "
                + t.shapeString()
                + "); an Arrow FixedSizeList holds at most "
                + Integer.MAX_VALUE);
      }
      try {
        FixedShapeTensorField.arrowType(t.dtype());
      } catch (IllegalArgumentException unsupported) {
        throw new IllegalArgumentException(
            op + ": tensor '" + name + "': " + unsupported.getMessage(), unsupported);
      }
      columns.add(new Column(new FixedShapeTensorField(name, t.dtype(), t.shape(), null), t));
    }
    return new TensorFileWriter(op, List.copyOf(columns));
  }

  /** Writes the whole file; {@code out} is left open. */
  void writeTo(WritableByteChannel out) throws IOException {
    var schema = new Schema(columns.stream().map(c -> c.field().toArrow()).toList());
    // A child of the tensor allocator: the staging vectors show up in Memory.bytesInUse() while
    // they exist, and closing the child proves they were all released.
    try (BufferAllocator allocator =
            Memory.allocator().newChildAllocator("TensorFile.write", 0, Long.MAX_VALUE);
        var root = VectorSchemaRoot.create(schema, allocator)) {
      var sums = new java.util.LinkedHashMap<String, String>();
      for (int i = 0; i < columns.size(); i++) {
        Column column = columns.get(i);
        try {
          sums.put(
              column.field().name(),
              fill((FixedSizeListVector) root.getVector(i), column.tensor()));
        } catch (IllegalStateException e) {
          // e.g. a tensor closed after it was handed to us: say which one
          throw new IllegalStateException(
              op + ": tensor '" + column.field().name() + "': " + e.getMessage(), e);
        }
      }
      root.setRowCount(1);
      // ArrowWriter.close() closes the channel it writes to; the caller owns that channel.
      try (var writer =
          new ArrowFileWriter(root, null, new NonClosing(out), DataChecksum.footer(sums))) {
        writer.start();
        writer.writeBatch();
        writer.end();
      }
    }
  }

  /**
   * Copies the tensor's row-major bytes into the list's single row in one bulk copy; returns their
   * checksum.
   */
  @SuppressWarnings(
      "restricted") // reinterpret: the size was checked against the ArrowBuf's capacity
  private static String fill(FixedSizeListVector list, Tensor tensor) {
    // Row-major in host memory: a view or a device tensor is copied (device tensors through their
    // backend).
    Tensor c = Movement.hostDense(tensor, tensor.dtype());
    try {
      int n = Math.toIntExact(c.numel());
      long bytes = n * (long) c.dtype().byteSize();
      list.setInitialCapacity(1);
      list.allocateNew();
      var data = (BaseFixedWidthVector) list.getDataVector();
      ArrowBuf dst = data.getDataBuffer();
      if (dst.capacity() < bytes) {
        throw new IllegalStateException(
            "Arrow allocated " + dst.capacity() + " bytes for " + bytes);
      }
      if (bytes > 0) {
        MemorySegment.copy(
            c.view().hostMemory(),
            0,
            MemorySegment.ofAddress(dst.memoryAddress()).reinterpret(bytes),
            0,
            bytes);
      }
      // Every element is present: whole validity bytes at once, then the bits of a partial last
      // byte.
      data.getValidityBuffer().setOne(0L, n / 8);
      for (int i = n / 8 * 8; i < n; i++) {
        data.setIndexDefined(i);
      }
      data.setValueCount(n);
      list.setNotNull(0);
      list.setValueCount(1);
      return DataChecksum.of(dst.memoryAddress(), bytes);
    } finally {
      if (c != tensor) {
        c.close(); // the host copy of a view or device tensor: free it now rather than at the
        // next GC
      }
    }
  }

  private record NonClosing(WritableByteChannel channel) implements WritableByteChannel {
    @Override
    public int write(ByteBuffer src) throws IOException {
      return channel.write(src);
    }

    @Override
    public boolean isOpen() {
      return channel.isOpen();
    }

    @Override
    public void close() {}
  }
}
