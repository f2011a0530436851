package dev.quiver.spark;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Where the features and the label are in a row, and how wide they are: checked against the schema
 * on the driver, then sent with the tasks that turn rows into floats on the executors.
 *
 * <p>Features are numeric columns (one value each) or one array-of-numbers column; the label is a
 * numeric column (whole-number types: class indices, int32; others: float32 targets [n, 1]) or an
 * array of numbers (targets [n, width]).
 *
 * @param names the feature columns then the label column (null: no label), as selected
 * @param featureArray whether the single feature column is an array
 * @param features values per row of the features
 * @param labelArray whether the label column is an array
 * @param labels values per row of the label (0: no label)
 * @param intLabels whether the label is a whole-number column (class indices)
 */
record Columns(
    List<String> names,
    boolean featureArray,
    int features,
    boolean labelArray,
    int labels,
    boolean intLabels)
    implements Serializable {

  int featureColumns() {
    return featureArray ? 1 : features;
  }

  boolean hasLabel() {
    return labels > 0;
  }

  /**
   * The columns of {@code schema}, checked; array widths come from {@code first}, the first row of
   * the selected columns (null when the frame is empty).
   */
  static Columns of(StructType schema, List<String> featureCols, String labelCol, Row first) {
    if (featureCols.isEmpty()) {
      throw new IllegalArgumentException("SparkData: no feature column given");
    }
    boolean featureArray = false;
    int features = 0;
    for (int i = 0; i < featureCols.size(); i++) {
      DataType t = typeOf(schema, featureCols.get(i), "feature");
      if (t instanceof ArrayType a) {
        if (featureCols.size() != 1) {
          throw new IllegalArgumentException(
              "SparkData: feature column "
                  + featureCols.get(i)
                  + " is an array; give either one array column or numeric columns, got "
                  + featureCols);
        }
        requireNumeric(a.elementType(), featureCols.get(i), "feature");
        featureArray = true;
        features = width(first, i, featureCols.get(i));
      } else {
        requireNumeric(t, featureCols.get(i), "feature");
        features++;
      }
    }
    boolean labelArray = false;
    int labels = 0;
    boolean intLabels = false;
    if (labelCol != null) {
      DataType t = typeOf(schema, labelCol, "label");
      if (t instanceof ArrayType a) {
        requireNumeric(a.elementType(), labelCol, "label");
        labelArray = true;
        labels = width(first, featureArray ? 1 : features, labelCol);
      } else {
        requireNumeric(t, labelCol, "label");
        labels = 1;
        intLabels =
            t.equals(DataTypes.IntegerType)
                || t.equals(DataTypes.LongType)
                || t.equals(DataTypes.ShortType)
                || t.equals(DataTypes.ByteType);
      }
    }
    var names = new java.util.ArrayList<>(featureCols);
    if (labelCol != null) {
      names.add(labelCol);
    }
    return new Columns(List.copyOf(names), featureArray, features, labelArray, labels, intLabels);
  }

  private static DataType typeOf(StructType schema, String name, String role) {
    for (StructField f : schema.fields()) {
      if (f.name().equals(name)) {
        return f.dataType();
      }
    }
    throw new IllegalArgumentException(
        "SparkData: no "
            + role
            + " column '"
            + name
            + "'; the frame has "
            + List.of(schema.fieldNames()));
  }

  private static void requireNumeric(DataType t, String name, String role) {
    if (!(t instanceof NumericType)) {
      String hint =
          t.typeName().equals("vector")
              ? " (a Spark ML vector: turn it into an array with"
                  + " org.apache.spark.ml.functions.vector_to_array)"
              : "";
      throw new IllegalArgumentException(
          "SparkData: "
              + role
              + " column '"
              + name
              + "' has type "
              + t.simpleString()
              + "; it must be numeric or an array of numbers"
              + hint);
    }
  }

  private static int width(Row first, int index, String name) {
    if (first == null) {
      throw new IllegalArgumentException(
          "SparkData: the frame has no rows, so the width of array column '"
              + name
              + "' is unknown; training needs at least one row");
    }
    if (first.isNullAt(index) || first.getList(index).isEmpty()) {
      throw new IllegalArgumentException(
          "SparkData: array column '" + name + "' is null or empty in the first row");
    }
    return first.getList(index).size();
  }

  /** Writes the features of {@code row} (the selected columns) into {@code x} at {@code at}. */
  void features(Row row, float[] x, int at) {
    if (featureArray) {
      copyArray(row, 0, x, at, features);
    } else {
      for (int i = 0; i < features; i++) {
        x[at + i] = number(row, i);
      }
    }
  }

  /** Writes the label of {@code row} into {@code y} at {@code at}. */
  void label(Row row, float[] y, int at) {
    int index = featureColumns();
    if (labelArray) {
      copyArray(row, index, y, at, labels);
    } else {
      y[at] = number(row, index);
    }
  }

  private void copyArray(Row row, int index, float[] into, int at, int width) {
    if (row.isNullAt(index)) {
      throw new IllegalArgumentException(
          "SparkData: null in array column '" + names.get(index) + "' in row " + row);
    }
    List<Object> values = row.getList(index);
    if (values.size() != width) {
      throw new IllegalArgumentException(
          "SparkData: array column '"
              + names.get(index)
              + "' has "
              + values.size()
              + " values in a row where the first row had "
              + width);
    }
    for (int i = 0; i < width; i++) {
      Object v = values.get(i);
      if (v == null) {
        throw new IllegalArgumentException(
            "SparkData: null inside array column '" + names.get(index) + "'");
      }
      into[at + i] = ((Number) v).floatValue();
    }
  }

  private float number(Row row, int index) {
    if (row.isNullAt(index)) {
      throw new IllegalArgumentException(
          "SparkData: null in column '"
              + names.get(index)
              + "'; drop or fill missing values first (frame.na().drop())");
    }
    return ((Number) row.get(index)).floatValue();
  }
}
