package dev.quiver.dsl.data;

import dev.quiver.display.Displayable;
import dev.quiver.display.MimeBundle;
import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * Inputs x [n, ...] and targets y [n, ...] with the same number of rows; optional names for the
 * feature columns and the classes. Immutable: every method returns a new data set.
 *
 * <pre>{@code
 * var data = Dataset.of(x, y);
 * var split = data.split(0.8, 42);            // seeded 80/20 split
 * for (Batch b : split.train().batches(16, 7)) { ... }
 * }</pre>
 */
public record Dataset(Tensor x, Tensor y, List<String> featureNames, List<String> classNames)
    implements Displayable {
  public Dataset {
    if (x == null || y == null) {
      throw new IllegalArgumentException(
          "Dataset: x and y are both needed, got x " + x + ", y " + y);
    }
    if (x.dim() == 0 || y.dim() == 0) {
      throw new IllegalArgumentException(
          "Dataset: x and y need a row axis, got shapes "
              + x.shapeString()
              + " and "
              + y.shapeString());
    }
    if (x.size(0) != y.size(0)) {
      throw new IllegalArgumentException(
          "Dataset: mismatched batch sizes: x has "
              + x.size(0)
              + " rows (shape "
              + x.shapeString()
              + "), y has "
              + y.size(0)
              + " (shape "
              + y.shapeString()
              + ")");
    }
    if (x.size(0) == 0) {
      throw new IllegalArgumentException(
          "Dataset: empty dataset (x has shape "
              + x.shapeString()
              + "); "
              + "training and evaluation need at least one row");
    }
    featureNames = featureNames == null ? List.of() : List.copyOf(featureNames);
    classNames = classNames == null ? List.of() : List.copyOf(classNames);
  }

  public static Dataset of(Tensor x, Tensor y) {
    return new Dataset(x, y, List.of(), List.of());
  }

  /**
   * Saves x and y as an Arrow IPC file in the runtime's fixed-shape tensor format (columns {@code
   * x} and {@code y}), which pyarrow and other Arrow readers open as a table.
   */
  public void save(java.nio.file.Path file) {
    var m = new java.util.LinkedHashMap<String, Tensor>();
    m.put("x", x);
    m.put("y", y);
    try {
      dev.quiver.runtime.io.TensorFile.save(file, m);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(
          "Dataset.save: cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads a data set from an Arrow IPC tensor file with tensors {@code x} and {@code y} (see {@link
   * #save}).
   */
  public static Dataset load(java.nio.file.Path file) {
    java.util.Map<String, Tensor> m;
    try {
      m = dev.quiver.runtime.io.TensorFile.load(file);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(
          "Dataset.load: cannot read " + file + ": " + e.getMessage(), e);
    }
    if (!m.containsKey("x") || !m.containsKey("y")) {
      throw new IllegalArgumentException(
          "Dataset.load: " + file + " needs tensors named x and y, it has " + m.keySet());
    }
    return Dataset.of(m.get("x"), m.get("y"));
  }

  public long size() {
    return x.size(0);
  }

  /** Number of classes: the class names if known, else 1 + the largest integer label. */
  public int numClasses() {
    if (!classNames.isEmpty()) {
      return classNames.size();
    }
    int max = -1;
    for (double v : y.toDoubleArray()) {
      max = Math.max(max, (int) v);
    }
    return max + 1;
  }

  /** The rows at these indices, in this order. */
  public Dataset rows(int[] indices) {
    Tensor idx = Tensor.ofInts(indices).to(x.device());
    return new Dataset(x.indexSelect(0, idx), y.indexSelect(0, idx), featureNames, classNames);
  }

  /** Rows [from, to). */
  public Dataset slice(long from, long to) {
    return new Dataset(
        x.slice(0, from, to).contiguous(),
        y.slice(0, from, to).contiguous(),
        featureNames,
        classNames);
  }

  /** The rows in a seeded random order. */
  public Dataset shuffle(long seed) {
    return rows(permutation(size(), seed));
  }

  /**
   * A seeded random split: {@code trainFraction} of the rows for training, the rest for testing.
   */
  public Split split(double trainFraction, long seed) {
    if (!(trainFraction > 0 && trainFraction < 1)) {
      throw new IllegalArgumentException(
          "split: the training fraction must be strictly between 0 and 1, got " + trainFraction);
    }
    int n = Math.toIntExact(size());
    int nTrain = (int) Math.round(n * trainFraction);
    if (nTrain == 0 || nTrain == n) {
      throw new IllegalArgumentException(
          "split: "
              + n
              + " rows with fraction "
              + trainFraction
              + " leave "
              + (nTrain == 0 ? "no training rows" : "no test rows"));
    }
    int[] perm = permutation(n, seed);
    return new Split(
        rows(Arrays.copyOfRange(perm, 0, nTrain)), rows(Arrays.copyOfRange(perm, nTrain, n)));
  }

  /** Features scaled to mean 0 and standard deviation 1 with this data set's own statistics. */
  public Dataset standardize() {
    return Standardizer.fit(x).apply(this);
  }

  /** Mini-batches in row order; the last may be smaller. */
  public Iterable<Batch> batches(int batchSize) {
    return batches(batchSize, null);
  }

  /** Mini-batches in a random order drawn from {@code seed}; the last may be smaller. */
  public Iterable<Batch> batches(int batchSize, Long seed) {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batches: batch size must be positive, got " + batchSize);
    }
    int n = Math.toIntExact(size());
    int[] order = seed == null ? identity(n) : permutation(n, seed);
    return () ->
        new Iterator<>() {
          int next = 0;

          public boolean hasNext() {
            return next < n;
          }

          public Batch next() {
            if (next >= n) {
              throw new NoSuchElementException();
            }
            int end = Math.min(n, next + batchSize);
            Tensor idx = Tensor.ofInts(Arrays.copyOfRange(order, next, end)).to(x.device());
            var b = new Batch(x.indexSelect(0, idx), y.indexSelect(0, idx));
            next = end;
            return b;
          }
        };
  }

  /** Number of mini-batches of this size. */
  public int batchCount(int batchSize) {
    return Math.toIntExact((size() + batchSize - 1) / batchSize);
  }

  /** Labels as int32 (class indices) when they are whole numbers stored as floats. */
  public Dataset intLabels() {
    if (y.dtype() == DType.INT32) {
      return this;
    }
    return new Dataset(x, y.to(DType.INT32), featureNames, classNames);
  }

  static int[] permutation(long n, long seed) {
    int[] p = identity(Math.toIntExact(n));
    var r = new SplittableRandom(seed);
    for (int i = p.length - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  static int[] identity(int n) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    return p;
  }

  @Override
  public String toString() {
    var sb =
        new StringBuilder("Dataset: ")
            .append(size())
            .append(" rows, x ")
            .append(x.shapeString())
            .append(' ')
            .append(x.dtype())
            .append(", y ")
            .append(y.shapeString())
            .append(' ')
            .append(y.dtype());
    if (!featureNames.isEmpty()) {
      sb.append("\nfeatures: ").append(String.join(", ", featureNames));
    }
    if (!classNames.isEmpty()) {
      sb.append("\nclasses: ").append(String.join(", ", classNames));
    }
    return sb.toString();
  }

  @Override
  public MimeBundle toMimeBundle() {
    return MimeBundle.text(toString());
  }

  /** Column names for display; generated when none were given. */
  public List<String> columns() {
    if (!featureNames.isEmpty()) {
      return featureNames;
    }
    var out = new ArrayList<String>();
    long f = x.dim() > 1 ? x.size(1) : 1;
    for (int i = 0; i < f; i++) {
      out.add("x" + i);
    }
    return out;
  }
}
