package dev.quiver.spark;

import dev.quiver.dsl.data.Batch;
import dev.quiver.runtime.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.SplittableRandom;
import org.apache.spark.sql.Row;

/**
 * The rows of one partition as flat float arrays: what an executor trains on. Built on the executor
 * from the partition's rows and cached there by Spark (recomputed from the source when the executor
 * is lost); never sent to the driver.
 */
final class Shard implements Serializable {
  final int partition;
  final int rows;
  final Columns columns;
  final float[] x;
  final float[] y;
  private transient int orderEpoch = -1;
  private transient int[] order;

  private Shard(int partition, int rows, Columns columns, float[] x, float[] y) {
    this.partition = partition;
    this.rows = rows;
    this.columns = columns;
    this.x = x;
    this.y = y;
  }

  static Shard of(int partition, Iterator<Row> rows, Columns columns) {
    var all = new ArrayList<Row>();
    rows.forEachRemaining(all::add);
    int n = all.size();
    float[] x = new float[n * columns.features()];
    float[] y = new float[n * columns.labels()];
    for (int i = 0; i < n; i++) {
      columns.features(all.get(i), x, i * columns.features());
      columns.label(all.get(i), y, i * columns.labels());
    }
    return new Shard(partition, n, columns, x, y);
  }

  /**
   * The rows of step {@code k} of {@code epoch} with {@code batch} rows per step, in the epoch's
   * order (shuffled with the seed, the epoch and the partition when {@code shuffle}), or null when
   * this shard has run out of rows before that step.
   */
  Batch batch(int epoch, int k, int batch, boolean shuffle, long seed) {
    int from = k * batch;
    if (from >= rows) {
      return null;
    }
    int n = Math.min(rows, from + batch) - from;
    int[] idx = order(epoch, shuffle, seed);
    int fw = columns.features();
    int lw = columns.labels();
    float[] bx = new float[n * fw];
    for (int i = 0; i < n; i++) {
      System.arraycopy(x, idx[from + i] * fw, bx, i * fw, fw);
    }
    Tensor xs = Tensor.of(bx, n, fw);
    Tensor ys;
    if (columns.intLabels()) {
      int[] by = new int[n];
      for (int i = 0; i < n; i++) {
        by[i] = (int) y[idx[from + i]];
      }
      ys = Tensor.ofInts(by);
    } else {
      float[] by = new float[n * lw];
      for (int i = 0; i < n; i++) {
        System.arraycopy(y, idx[from + i] * lw, by, i * lw, lw);
      }
      ys = Tensor.of(by, n, lw);
    }
    return new Batch(xs, ys);
  }

  private synchronized int[] order(int epoch, boolean shuffle, long seed) {
    if (order != null && (!shuffle || orderEpoch == epoch)) {
      return order;
    }
    int[] idx = new int[rows];
    for (int i = 0; i < rows; i++) {
      idx[i] = i;
    }
    if (shuffle) {
      var random = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (epoch + 1)) ^ partition);
      for (int i = rows - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
      }
    }
    orderEpoch = epoch;
    order = idx;
    return idx;
  }
}
