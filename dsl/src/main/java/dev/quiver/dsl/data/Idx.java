package dev.quiver.dsl.data;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The IDX file format of MNIST and Fashion-MNIST, plain or gzip-compressed (found by the gzip magic
 * bytes, whatever the name): two zero bytes, a type code, the number of axes, each axis' size as a
 * big-endian int, then the values row-major. A file is untrusted input: a wrong magic number, an
 * unknown type, sizes that do not fit and a file shorter than its header promises each fail naming
 * the file and the values.
 *
 * <pre>{@code
 * Tensor images = Idx.readImages(dir.resolve("train-images-idx3-ubyte.gz"));  // [n, 1, 28, 28]
 * Tensor labels = Idx.readLabels(dir.resolve("train-labels-idx1-ubyte.gz"));  // [n] int32
 * }</pre>
 */
public final class Idx {
  private Idx() {}

  /** Most values one file may hold (2^31 - 1 bytes of floats would not fit a float[]). */
  static final long MAX_VALUES = Integer.MAX_VALUE - 8;

  /**
   * Any IDX file as a tensor of its shape: unsigned and signed bytes, shorts and ints as int32,
   * floats as float32, doubles as float64.
   */
  public static Tensor read(Path file) {
    try (DataInputStream in = open(file)) {
      Header h = header(file, in);
      int n = Math.toIntExact(h.count());
      try {
        switch (h.type()) {
          case 0x0D -> {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
              v[i] = in.readFloat();
            }
            return Tensor.of(v, h.dims());
          }
          case 0x0E -> {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
              v[i] = in.readDouble();
            }
            return Tensor.of(v, h.dims());
          }
          default -> {
            int[] v = new int[n];
            for (int i = 0; i < n; i++) {
              v[i] =
                  switch (h.type()) {
                    case 0x08 -> in.readUnsignedByte();
                    case 0x09 -> in.readByte();
                    case 0x0B -> in.readShort();
                    default -> in.readInt();
                  };
            }
            return Tensor.ofInts(v, h.dims());
          }
        }
      } catch (EOFException e) {
        throw truncated(file, h);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Idx.read: cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * An image file ({@code [n, h, w]} of unsigned bytes) as float32 {@code [n, 1, h, w]} scaled to
   * [0, 1]: the NCHW layout the convolutions take.
   */
  public static Tensor readImages(Path file) {
    try (DataInputStream in = open(file)) {
      Header h = header(file, in);
      if (h.type() != 0x08 || h.dims().length != 3) {
        throw new IllegalArgumentException(
            "Idx.readImages: "
                + file
                + " holds "
                + typeName(h.type())
                + " of shape "
                + Arrays.toString(h.dims())
                + "; images are unsigned bytes of shape [n, height, width]");
      }
      int n = Math.toIntExact(h.count());
      byte[] raw = new byte[n];
      try {
        in.readFully(raw);
      } catch (EOFException e) {
        throw truncated(file, h);
      }
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = (raw[i] & 0xFF) / 255f;
      }
      long[] d = h.dims();
      return Tensor.of(v, d[0], 1, d[1], d[2]);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Idx.readImages: cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** A label file ({@code [n]} of unsigned bytes) as int32 {@code [n]}. */
  public static Tensor readLabels(Path file) {
    Tensor t = read(file);
    if (t.dim() != 1 || t.dtype() != DType.INT32) {
      throw new IllegalArgumentException(
          "Idx.readLabels: "
              + file
              + " holds a "
              + t.dtype()
              + " tensor of shape "
              + t.shapeString()
              + "; labels are one integer per image, shape [n]");
    }
    return t;
  }

  /**
   * Images and labels as a data set, checking that they count the same images; {@code classNames}
   * may be empty.
   */
  public static Dataset dataset(Path images, Path labels, List<String> classNames) {
    Tensor x = readImages(images);
    Tensor y = readLabels(labels);
    if (x.size(0) != y.size(0)) {
      throw new IllegalArgumentException(
          "Idx.dataset: "
              + images
              + " has "
              + x.size(0)
              + " images but "
              + labels
              + " has "
              + y.size(0)
              + " labels");
    }
    if (!classNames.isEmpty()) {
      for (int v : y.toIntArray()) {
        if (v < 0 || v >= classNames.size()) {
          throw new IllegalArgumentException(
              "Idx.dataset: "
                  + labels
                  + " has label "
                  + v
                  + ", outside the "
                  + classNames.size()
                  + " classes");
        }
      }
    }
    return new Dataset(x, y, List.of(), classNames);
  }

  /**
   * Writes a tensor as an IDX file (gzip when the name ends in .gz): int32 tensors as unsigned
   * bytes when every value fits, else as ints; float32 as floats. For tests and small exports.
   */
  public static void write(Path file, Tensor t) {
    boolean bytes = false;
    int type;
    if (t.dtype() == DType.INT32) {
      bytes = Arrays.stream(t.toIntArray()).allMatch(v -> v >= 0 && v <= 255);
      type = bytes ? 0x08 : 0x0C;
    } else {
      type = t.dtype() == DType.FLOAT64 ? 0x0E : 0x0D;
    }
    try (var raw = Files.newOutputStream(file);
        var out =
            new java.io.DataOutputStream(
                new java.io.BufferedOutputStream(
                    file.toString().endsWith(".gz")
                        ? new java.util.zip.GZIPOutputStream(raw)
                        : raw))) {
      out.writeShort(0);
      out.writeByte(type);
      out.writeByte(t.dim());
      for (long s : t.shape()) {
        out.writeInt(Math.toIntExact(s));
      }
      switch (type) {
        case 0x08 -> {
          for (int v : t.toIntArray()) {
            out.writeByte(v);
          }
        }
        case 0x0C -> {
          for (int v : t.toIntArray()) {
            out.writeInt(v);
          }
        }
        case 0x0E -> {
          for (double v : t.toDoubleArray()) {
            out.writeDouble(v);
          }
        }
        default -> {
          for (float v : t.toFloatArray()) {
            out.writeFloat(v);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Idx.write: cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private record Header(int type, long[] dims, long count) {}

  private static DataInputStream open(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("Idx: no such file: " + file);
    }
    InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    in.mark(2);
    int b0 = in.read();
    int b1 = in.read();
    in.reset();
    if (b0 == 0x1f && b1 == 0x8b) {
      in = new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
    }
    return new DataInputStream(in);
  }

  private static Header header(Path file, DataInputStream in) throws IOException {
    int magic;
    int rank;
    try {
      magic = in.readInt();
    } catch (EOFException e) {
      throw new IllegalArgumentException(
          "Idx: " + file + " is shorter than the 4-byte magic number of an IDX file");
    }
    int type = (magic >>> 8) & 0xFF;
    rank = magic & 0xFF;
    if ((magic >>> 16) != 0 || typeName(type) == null) {
      throw new IllegalArgumentException(
          String.format(
              "Idx: %s is not an IDX file: magic number 0x%08X (expected 0x0000TTRR: type TT 08,"
                  + " 09, 0B, 0C, 0D or 0E and RR axes, e.g. 0x00000803 for images)",
              file, magic));
    }
    if (rank < 1) {
      throw new IllegalArgumentException("Idx: " + file + " declares 0 axes");
    }
    long[] dims = new long[rank];
    long count = 1;
    try {
      for (int i = 0; i < rank; i++) {
        dims[i] = in.readInt() & 0xFFFFFFFFL;
        count = Math.multiplyHigh(count, dims[i]) != 0 ? Long.MAX_VALUE : count * dims[i];
      }
    } catch (EOFException e) {
      throw new IllegalArgumentException(
          "Idx: " + file + " ends inside its header (" + rank + " axis sizes promised)");
    }
    if (count > MAX_VALUES) {
      throw new IllegalArgumentException(
          "Idx: "
              + file
              + " declares shape "
              + Arrays.toString(dims)
              + ", more values than one tensor may hold");
    }
    return new Header(type, dims, count);
  }

  private static IllegalArgumentException truncated(Path file, Header h) {
    return new IllegalArgumentException(
        "Idx: "
            + file
            + " is truncated: its header promises "
            + typeName(h.type())
            + " of shape "
            + Arrays.toString(h.dims())
            + " ("
            + h.count()
            + " values), the file ends before");
  }

  private static String typeName(int type) {
    return switch (type) {
      case 0x08 -> "unsigned bytes";
      case 0x09 -> "signed bytes";
      case 0x0B -> "shorts";
      case 0x0C -> "ints";
      case 0x0D -> "floats";
      case 0x0E -> "doubles";
      default -> null;
    };
  }
}
