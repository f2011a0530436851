package dev.quiver.spark;

import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Training data in Spark: a DataFrame (Parquet, CSV, anything Spark reads) or an RDD of rows, with
 * the columns that hold the features and the label. Each partition becomes Quiver tensors on the
 * executor that holds it, a batch at a time; nothing is collected to the driver.
 *
 * <pre>{@code
 * var frame = spark.read().parquet("train.parquet");
 * var data = SparkData.of(frame, "features", "label");          // features: array<float>
 * var csv = SparkData.of(spark.read().option("header", true).option("inferSchema", true)
 *     .csv("iris.csv"), List.of("sepal_length", "sepal_width", "petal_length", "petal_width"),
 *     "species");                                               // numeric columns
 * }</pre>
 *
 * <p>Features are one array-of-numbers column or several numeric columns; the label is a numeric
 * column (whole numbers: class indices, as {@code Loss.crossEntropy()} takes them) or an array.
 */
public final class SparkData {
  private final Dataset<Row> frame;
  private final List<String> featureColumns;
  private final String labelColumn;
  private Columns columns;
  private JavaRDD<Shard> shards;

  private SparkData(Dataset<Row> frame, List<String> features, String label) {
    this.frame = frame;
    this.featureColumns = List.copyOf(features);
    this.labelColumn = label;
  }

  /** The rows of {@code frame}, features in one column (an array) and the label in another. */
  public static SparkData of(Dataset<Row> frame, String features, String label) {
    return of(frame, List.of(features), label);
  }

  /** The rows of {@code frame}, features in numeric columns (or one array column). */
  public static SparkData of(Dataset<Row> frame, List<String> features, String label) {
    if (frame == null) {
      throw new IllegalArgumentException("SparkData.of: the frame is null");
    }
    if (label == null) {
      throw new IllegalArgumentException(
          "SparkData.of: training needs a label column; for predictions use SparkPredict");
    }
    var data = new SparkData(frame, features, label);
    data.columns(); // checks the columns now, on the driver, with a clear error
    return data;
  }

  /** An RDD of rows with its schema (the session is the active one). */
  public static SparkData of(
      JavaRDD<Row> rows, StructType schema, List<String> features, String label) {
    return of(SparkSession.active().createDataFrame(rows, schema), features, label);
  }

  /**
   * A data set of this JVM as a DataFrame of {@code partitions} contiguous slices, in order
   * (columns {@code features}, an array of floats, and {@code label}: int for int32 class labels,
   * float for one target, array of floats for several): for trying distributed training on data
   * that fits here, and for comparing it with {@code model.fit} on the same rows.
   */
  public static SparkData of(SparkSession spark, dev.quiver.dsl.data.Dataset data, int partitions) {
    if (partitions < 1) {
      throw new IllegalArgumentException("SparkData.of: need partitions >= 1, got " + partitions);
    }
    int n = (int) data.size();
    int fw = (int) (data.x().numel() / n);
    float[] x = data.x().toFloatArray();
    boolean ints = data.y().dtype() == dev.quiver.runtime.DType.INT32;
    int lw = (int) (data.y().numel() / n);
    double[] y = data.y().toDoubleArray();
    var rows = new java.util.ArrayList<Row>(n);
    for (int i = 0; i < n; i++) {
      Object label;
      if (ints) {
        label = (int) y[i];
      } else if (lw == 1) {
        label = (float) y[i];
      } else {
        float[] l = new float[lw];
        for (int j = 0; j < lw; j++) {
          l[j] = (float) y[i * lw + j];
        }
        label = l;
      }
      rows.add(
          org.apache.spark.sql.RowFactory.create(
              java.util.Arrays.copyOfRange(x, i * fw, (i + 1) * fw), label));
    }
    var labelType =
        ints
            ? org.apache.spark.sql.types.DataTypes.IntegerType
            : lw == 1
                ? org.apache.spark.sql.types.DataTypes.FloatType
                : org.apache.spark.sql.types.DataTypes.createArrayType(
                    org.apache.spark.sql.types.DataTypes.FloatType, false);
    var schema =
        new StructType()
            .add(
                "features",
                org.apache.spark.sql.types.DataTypes.createArrayType(
                    org.apache.spark.sql.types.DataTypes.FloatType, false),
                false)
            .add("label", labelType, false);
    var rdd =
        org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext())
            .parallelize(rows, partitions);
    return of(spark.createDataFrame(rdd, schema), "features", "label");
  }

  /** The same rows in {@code n} partitions (one replica trains on each). */
  public SparkData repartition(int n) {
    if (n <= 0) {
      throw new IllegalArgumentException("SparkData.repartition: need n >= 1, got " + n);
    }
    return new SparkData(frame.repartition(n), featureColumns, labelColumn);
  }

  public Dataset<Row> frame() {
    return frame;
  }

  public int partitions() {
    return frame.rdd().getNumPartitions();
  }

  /** The shape of one sample's features, e.g. [784]. */
  public long[] sampleShape() {
    return new long[] {columns().features()};
  }

  /** Values per row of the label (1 for a scalar label). */
  public int labelWidth() {
    return columns().labels();
  }

  synchronized Columns columns() {
    if (columns == null) {
      Dataset<Row> selected = selected();
      Row first = columnsNeedFirstRow(selected) ? firstOrNull(selected) : null;
      columns = Columns.of(selected.schema(), featureColumns, labelColumn, first);
    }
    return columns;
  }

  private boolean columnsNeedFirstRow(Dataset<Row> selected) {
    for (var f : selected.schema().fields()) {
      if (f.dataType() instanceof org.apache.spark.sql.types.ArrayType) {
        return true;
      }
    }
    return false;
  }

  private static Row firstOrNull(Dataset<Row> d) {
    List<Row> rows = d.limit(1).collectAsList();
    return rows.isEmpty() ? null : rows.getFirst();
  }

  private Dataset<Row> selected() {
    var names = new java.util.ArrayList<>(featureColumns);
    names.add(labelColumn);
    for (String n : names) {
      if (!List.of(frame.columns()).contains(n)) {
        throw new IllegalArgumentException(
            "SparkData: no column '" + n + "'; the frame has " + List.of(frame.columns()));
      }
    }
    return frame.select(
        names.stream().map(functions::col).toArray(org.apache.spark.sql.Column[]::new));
  }

  /**
   * One {@link Shard} per partition, built on the executors and kept there (memory, then disk);
   * built once per SparkData.
   */
  synchronized JavaRDD<Shard> shards() {
    if (shards == null) {
      Columns c = columns();
      shards =
          selected()
              .toJavaRDD()
              .mapPartitionsWithIndex(
                  (index, rows) -> java.util.List.of(Shard.of(index, rows, c)).iterator(), true)
              .persist(StorageLevel.MEMORY_AND_DISK());
    }
    return shards;
  }

  /** Lets go of the cached shards on the executors. */
  public synchronized void unpersist() {
    if (shards != null) {
      shards.unpersist(false);
      shards = null;
    }
  }

  @Override
  public String toString() {
    return "SparkData(features " + featureColumns + ", label " + labelColumn + ")";
  }
}
