package dev.quiver.runtime.io;

import dev.quiver.runtime.Tensor;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.apache.arrow.vector.util.ByteArrayReadableSeekableByteChannel;

/**
 * Named tensors saved as an Arrow IPC file that pyarrow, Arrow JS, arrow-rs and Arrow C++ read as a
 * table of one row: one column per tensor, of the canonical extension type {@code
 * arrow.fixed_shape_tensor} ({@code FixedSizeList<float|double|int32>[numel]} with field metadata
 * {@code {"shape":[...]}}), values row-major.
 *
 * <pre>{@code
 * TensorFile.save(Path.of("weights.arrow"), Map.of("w", w, "b", b));
 * Map<String, Tensor> weights = TensorFile.load(Path.of("weights.arrow"));
 * }</pre>
 *
 * <p>In Python: {@code pyarrow.ipc.open_file("weights.arrow").read_all()["w"].combine_chunks()
 * .to_numpy_ndarray()[0]}.
 *
 * <p>Loaded tensors are ordinary tensors, owned like those of any factory: by the current {@link
 * dev.quiver.runtime.memory.MemoryScope}, or else by the garbage collector. No Arrow memory stays
 * behind after a load or a save.
 */
public final class TensorFile {
  private TensorFile() {}

  /**
   * Saves the tensors in the map's iteration order (use a {@link java.util.LinkedHashMap} to choose
   * it). The file is replaced atomically: on any error an existing file is left as it was.
   *
   * @throws IllegalArgumentException for an empty or null name, a null tensor, a tensor not in host
   *     memory, of more than 2^31-1 elements, or of a dtype Arrow cannot hold; checked before
   *     anything is written
   */
  public static void save(Path file, Map<String, Tensor> tensors) throws IOException {
    var writer = TensorFileWriter.of("TensorFile.save(" + file + ")", tensors);
    AtomicFile.write(file, writer::writeTo);
  }

  /**
   * Loads every tensor of a file written by {@link #save} or by any Arrow implementation that
   * writes {@code arrow.fixed_shape_tensor} columns (one record batch, one row), in column order. A
   * {@code permutation} in a column's metadata is honoured: the tensor is the permuted view.
   *
   * @throws TensorFileException if the file is not Arrow IPC or a column is not a tensor Quiver
   *     reads, is damaged or truncated, or is a directory; the message names the file, the column
   *     and what was found
   * @throws NoSuchFileException if there is no such file ("PATH: does not exist")
   */
  public static Map<String, Tensor> load(Path file) throws IOException {
    if (Files.isDirectory(file)) {
      throw new TensorFileException(file + " is a directory, not a tensor file");
    }
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file.toString(), null, "does not exist");
    }
    try (var in = FileChannel.open(file, StandardOpenOption.READ)) {
      return TensorFileReader.read(in, file.toString());
    }
  }

  /** Writes the same bytes {@link #save} would to a stream, which is left open. */
  public static void write(OutputStream out, Map<String, Tensor> tensors) throws IOException {
    var writer = TensorFileWriter.of("TensorFile.write", tensors);
    var keepOpen =
        new FilterOutputStream(out) {
          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len); // FilterOutputStream's default writes byte by byte
          }

          @Override
          public void close() throws IOException {
            flush();
          }
        };
    try (var channel = Channels.newChannel(keepOpen)) {
      writer.writeTo(channel);
    }
  }

  /**
   * Reads a tensor file from a stream, to its end. The Arrow file format is read from its footer,
   * so the bytes are gathered first; files over 2 GiB must be {@link #load}ed from a path.
   */
  public static Map<String, Tensor> read(InputStream in) throws IOException {
    try (var channel = new ByteArrayReadableSeekableByteChannel(in.readAllBytes())) {
      return TensorFileReader.read(channel, "TensorFile.read(stream)");
    }
  }
}
