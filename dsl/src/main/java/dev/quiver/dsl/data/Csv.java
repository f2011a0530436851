package dev.quiver.dsl.data;

import dev.quiver.runtime.Tensor;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads a CSV file with a header row into a {@link Dataset}: every column but the label becomes a
 * float32 feature; the label becomes class indices (int32, classes numbered in order of first
 * appearance) when its values are text, or a float32 target when they are numbers.
 *
 * <pre>{@code
 * var data = Csv.read(Path.of("iris.csv"), "species");
 * }</pre>
 */
public final class Csv {
  private Csv() {}

  /**
   * Reads {@code file}; {@code label} names the target column. A UTF-8 byte order mark (as Excel
   * writes) is skipped; duplicate column names and values that are not finite float32 numbers
   * ({@code Infinity}, {@code 1e39}) are refused, naming the line and column.
   */
  public static Dataset read(Path file, String label) {
    if (!Files.exists(file)) {
      throw new UncheckedIOException(
          "Csv: " + file + " does not exist",
          new NoSuchFileException(file.toString(), null, "does not exist"));
    }
    if (Files.isDirectory(file)) {
      throw new IllegalArgumentException("Csv: " + file + " is a directory, not a CSV file");
    }
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return read(r, file.getFileName().toString(), label);
    } catch (IOException e) {
      throw new UncheckedIOException("Csv: cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Reads CSV text; {@code source} names it in errors. The reader is not closed. */
  public static Dataset read(Reader reader, String source, String label) {
    reader = withoutByteOrderMark(reader, source);
    CSVFormat format =
        CSVFormat.DEFAULT
            .builder()
            .setHeader()
            .setSkipHeaderRecord(true)
            .setTrim(true)
            .setIgnoreEmptyLines(true)
            .get();
    List<String> header;
    List<CSVRecord> records;
    try {
      CSVParser parser = CSVParser.parse(reader, format);
      header = parser.getHeaderNames();
      records = parser.getRecords();
    } catch (IOException | UncheckedIOException e) {
      throw new IllegalArgumentException(
          "Csv: " + source + " is not valid CSV: " + e.getMessage(), e);
    }
    for (int c = 0; c < header.size(); c++) {
      int first = header.indexOf(header.get(c));
      if (first != c) {
        throw new IllegalArgumentException(
            "Csv: "
                + source
                + " line 1: columns "
                + (first + 1)
                + " and "
                + (c + 1)
                + " are both named '"
                + header.get(c)
                + "'; column names must be unique");
      }
    }
    int labelCol = header.indexOf(label);
    if (labelCol < 0) {
      throw new IllegalArgumentException(
          "Csv: " + source + " has no column '" + label + "'; its columns are " + header);
    }
    if (records.isEmpty()) {
      throw new IllegalArgumentException(
          "Csv: " + source + " has a header but no rows: empty dataset");
    }
    int cols = header.size();
    var features = new ArrayList<String>(header);
    features.remove(labelCol);
    int f = features.size();
    float[] x = new float[records.size() * f];
    String[] labels = new String[records.size()];
    for (int r = 0; r < records.size(); r++) {
      CSVRecord rec = records.get(r);
      long line = rec.getRecordNumber() + 1; // records count from 1, after the header line
      if (rec.size() != cols) {
        throw new IllegalArgumentException(
            "Csv: "
                + source
                + " line "
                + line
                + " has "
                + rec.size()
                + " values, the "
                + "header has "
                + cols
                + " columns");
      }
      int k = 0;
      for (int c = 0; c < cols; c++) {
        String v = rec.get(c);
        if (isMissing(v)) {
          throw new IllegalArgumentException(
              "Csv: "
                  + source
                  + " line "
                  + line
                  + ", column '"
                  + header.get(c)
                  + "': missing value"
                  + (v.isEmpty() ? "" : " ('" + v + "')"));
        }
        if (c == labelCol) {
          labels[r] = v;
          if (isNumber(v)) {
            checkFinite(v, source, line, header.get(c));
          }
          continue;
        }
        try {
          x[r * f + k++] = checkFinite(v, source, line, header.get(c));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              "Csv: "
                  + source
                  + " line "
                  + line
                  + ", column '"
                  + header.get(c)
                  + "': '"
                  + v
                  + "' is not a number");
        }
      }
    }
    Tensor xs = Tensor.of(x, records.size(), f);
    if (allNumeric(labels)) {
      float[] y = new float[labels.length];
      for (int i = 0; i < y.length; i++) {
        y[i] = Float.parseFloat(labels[i]);
      }
      return new Dataset(xs, Tensor.of(y), features, List.of());
    }
    Map<String, Integer> classes = new LinkedHashMap<>();
    int[] y = new int[labels.length];
    for (int i = 0; i < y.length; i++) {
      y[i] = classes.computeIfAbsent(labels[i], k -> classes.size());
    }
    return new Dataset(xs, Tensor.ofInts(y), features, List.copyOf(classes.keySet()));
  }

  /** The value as a float32; a value that is not finite there is refused. */
  private static float checkFinite(String v, String source, long line, String column) {
    float value = Float.parseFloat(v);
    if (!Float.isFinite(value)) {
      throw new IllegalArgumentException(
          "Csv: "
              + source
              + " line "
              + line
              + ", column '"
              + column
              + "': '"
              + v
              + "' is not a finite float32 number (it reads as "
              + value
              + "; float32 holds up to "
              + Float.MAX_VALUE
              + ")");
    }
    return value;
  }

  private static boolean isNumber(String v) {
    try {
      Float.parseFloat(v);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** Excel writes a byte order mark before the first column's name; it is no part of the name. */
  private static Reader withoutByteOrderMark(Reader reader, String source) {
    var in = new java.io.PushbackReader(reader, 1);
    try {
      int first = in.read();
      if (first != -1 && first != '\uFEFF') {
        in.unread(first);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Csv: cannot read " + source + ": " + e.getMessage(), e);
    }
    return in;
  }

  private static boolean isMissing(String v) {
    return v.isEmpty() || v.equalsIgnoreCase("NA") || v.equalsIgnoreCase("NaN") || v.equals("?");
  }

  private static boolean allNumeric(String[] values) {
    for (String v : values) {
      if (!isNumber(v)) {
        return false;
      }
    }
    return true;
  }
}
