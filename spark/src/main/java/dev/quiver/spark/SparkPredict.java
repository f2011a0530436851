package dev.quiver.spark;

import dev.quiver.dsl.Model;
import dev.quiver.dsl.Models;
import dev.quiver.dsl.Sequential;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.memory.MemoryScope;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Batch inference over a DataFrame: every row with the model's output added as a column, computed
 * on the executors a batch of rows at a time ({@code model.predict} on each batch), the rows never
 * collected to the driver.
 *
 * <pre>{@code
 * Dataset<Row> scored = SparkPredict.of(model).column("prediction").apply(frame, "features");
 * }</pre>
 *
 * <p>The new column is a float for a model with one output and an array of floats otherwise (a
 * softmax model's class probabilities). The model must be a built {@link Sequential}: its
 * architecture and weights are broadcast to the executors.
 */
public final class SparkPredict implements Serializable {
  private final transient Sequential model;
  private final String column;
  private final int batch;

  private SparkPredict(Sequential model, String column, int batch) {
    this.model = model;
    this.column = column;
    this.batch = batch;
  }

  /** Predictions of {@code model}, into a column named "prediction", 256 rows per batch. */
  public static SparkPredict of(Model model) {
    if (!(model instanceof Sequential s)) {
      throw new IllegalArgumentException(
          "SparkPredict: the model's architecture is sent to the executors, which a Sequential has; "
              + model.describe()
              + " is a free-form model");
    }
    if (!s.isBuilt()) {
      throw new IllegalStateException(
          "SparkPredict: the model is not built; train it or call .input(n) first");
    }
    return new SparkPredict(s, "prediction", 256);
  }

  /** The name of the column to add. */
  public SparkPredict column(String name) {
    return new SparkPredict(model, name, batch);
  }

  /** Rows per call of {@code predict} on an executor. */
  public SparkPredict batch(int rows) {
    if (rows < 1) {
      throw new IllegalArgumentException("SparkPredict.batch: need rows >= 1, got " + rows);
    }
    return new SparkPredict(model, column, rows);
  }

  /** {@code frame} with the prediction column; features in one array column. */
  public Dataset<Row> apply(Dataset<Row> frame, String features) {
    return apply(frame, List.of(features));
  }

  /** {@code frame} with the prediction column; features in numeric columns (or one array). */
  public Dataset<Row> apply(Dataset<Row> frame, List<String> features) {
    if (List.of(frame.columns()).contains(column)) {
      throw new IllegalArgumentException(
          "SparkPredict: the frame already has a column '"
              + column
              + "'; choose another with .column(name)");
    }
    StructType schema = frame.schema();
    Row first = null;
    if (features.size() == 1) {
      var rows = frame.select(features.getFirst()).limit(1).collectAsList();
      first = rows.isEmpty() ? null : rows.getFirst();
      if (first == null) {
        return frame.sparkSession().createDataFrame(List.of(), outputSchema(schema));
      }
    }
    Columns cols =
        Columns.of(
            frame
                .select(
                    features.stream()
                        .map(org.apache.spark.sql.functions::col)
                        .toArray(org.apache.spark.sql.Column[]::new))
                .schema(),
            features,
            null,
            first);
    long[] in = model.inputShape();
    if (in.length != 1 || in[0] != cols.features()) {
      throw new IllegalArgumentException(
          "SparkPredict: the model takes inputs of shape "
              + java.util.Arrays.toString(in)
              + " but the feature columns "
              + features
              + " hold "
              + cols.features()
              + " values per row");
    }
    int[] indices = new int[cols.featureColumns()];
    for (int i = 0; i < indices.length; i++) {
      indices[i] = schema.fieldIndex(features.get(i));
    }
    var sc = JavaSparkContext.fromSparkContext(frame.sparkSession().sparkContext());
    Broadcast<float[]> weights = sc.broadcast(Flat.of(model.parameters()));
    String architecture = Models.architecture(model);
    int rowsPerBatch = batch;
    boolean scalar = outputs() == 1;
    MapPartitionsFunction<Row, Row> f =
        rows ->
            new Scored(rows, architecture, weights.value(), cols, indices, rowsPerBatch, scalar);
    return frame.mapPartitions(f, Encoders.row(outputSchema(schema)));
  }

  private int outputs() {
    long[] out = model.outputShape();
    return (int) out[out.length - 1];
  }

  private StructType outputSchema(StructType schema) {
    DataType type =
        outputs() == 1
            ? DataTypes.FloatType
            : DataTypes.createArrayType(DataTypes.FloatType, false);
    return schema.add(column, type, false);
  }

  /** A partition's rows, each with its prediction appended, a batch at a time. */
  private static final class Scored implements Iterator<Row> {
    private final Iterator<Row> rows;
    private final Sequential replica;
    private final Columns cols;
    private final int[] indices;
    private final int batch;
    private final boolean scalar;
    private final List<Row> pending = new ArrayList<>();
    private int next;

    Scored(
        Iterator<Row> rows,
        String architecture,
        float[] weights,
        Columns cols,
        int[] indices,
        int batch,
        boolean scalar) {
      this.rows = rows;
      this.replica = Models.fromArchitecture(architecture);
      Flat.load(replica.parameters(), weights, 0);
      this.cols = cols;
      this.indices = indices;
      this.batch = batch;
      this.scalar = scalar;
    }

    @Override
    public boolean hasNext() {
      if (next < pending.size()) {
        return true;
      }
      pending.clear();
      next = 0;
      var chunk = new ArrayList<Row>(batch);
      while (chunk.size() < batch && rows.hasNext()) {
        chunk.add(rows.next());
      }
      if (chunk.isEmpty()) {
        return false;
      }
      int fw = cols.features();
      float[] x = new float[chunk.size() * fw];
      for (int i = 0; i < chunk.size(); i++) {
        cols.features(select(chunk.get(i)), x, i * fw);
      }
      float[] out;
      int width;
      try (var scope = MemoryScope.open()) {
        Tensor y = replica.predict(Tensor.of(x, chunk.size(), fw));
        width = (int) (y.numel() / chunk.size());
        out = y.toFloatArray();
      }
      for (int i = 0; i < chunk.size(); i++) {
        Row r = chunk.get(i);
        Object[] values = new Object[r.length() + 1];
        for (int j = 0; j < r.length(); j++) {
          values[j] = r.get(j);
        }
        values[r.length()] =
            scalar
                ? (Object) out[i]
                : java.util.Arrays.copyOfRange(out, i * width, (i + 1) * width);
        pending.add(RowFactory.create(values));
      }
      return true;
    }

    private Row select(Row r) {
      Object[] v = new Object[indices.length];
      for (int i = 0; i < indices.length; i++) {
        v[i] = r.get(indices[i]);
      }
      return RowFactory.create(v);
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return pending.get(next++);
    }
  }
}
