package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.dsl.data.Batch;
import dev.quiver.dsl.data.Csv;
import dev.quiver.dsl.data.Dataset;
import dev.quiver.dsl.data.Datasets;
import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import java.io.StringReader;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataTest {

  @Test
  void irisHasThePublishedClassMeans() {
    var iris = Datasets.iris();
    assertEquals(150, iris.size());
    assertEquals(List.of("setosa", "versicolor", "virginica"), iris.classNames());
    assertEquals(
        List.of("sepal_length", "sepal_width", "petal_length", "petal_width"), iris.featureNames());
    assertEquals(DType.INT32, iris.y().dtype());
    double[][] means = {
      {5.006, 3.428, 1.462, 0.246}, {5.936, 2.770, 4.260, 1.326}, {6.588, 2.974, 5.552, 2.026}
    };
    for (int c = 0; c < 3; c++) {
      Tensor rows = iris.x().slice(0, 50L * c, 50L * (c + 1)).mean(0);
      assertArrayEquals(means[c], rows.toDoubleArray(), 5e-4, "class " + c);
    }
  }

  @Test
  void splitIsSeededAndDisjoint() {
    var data = Dataset.of(Tensor.arange(10).reshape(10, 1), Tensor.arange(10));
    var a = data.split(0.8, 42);
    var b = data.split(0.8, 42);
    assertEquals(8, a.train().size());
    assertEquals(2, a.test().size());
    assertArrayEquals(a.test().y().toFloatArray(), b.test().y().toFloatArray());
    var all = new HashSet<Float>();
    for (float v : a.train().y().toFloatArray()) all.add(v);
    for (float v : a.test().y().toFloatArray()) all.add(v);
    assertEquals(10, all.size());
  }

  @Test
  void standardizeUsesTrainingStatistics() {
    var split = Datasets.iris().split(0.8, 42).standardize();
    assertArrayEquals(new double[4], split.train().x().mean(0).toDoubleArray(), 1e-5);
    assertArrayEquals(
        new double[] {1, 1, 1, 1},
        split.train().x().variance(0, false).sqrt().toDoubleArray(),
        1e-4);
  }

  @Test
  void batchesCoverEveryRowOnce() {
    var data = Dataset.of(Tensor.arange(10).reshape(10, 1), Tensor.arange(10));
    var seen = new HashSet<Float>();
    int count = 0;
    for (Batch b : data.batches(4, 7L)) {
      count++;
      for (float v : b.y().toFloatArray()) assertTrue(seen.add(v));
    }
    assertEquals(3, count);
    assertEquals(10, seen.size());
  }

  @Test
  void generatorsAreDeterministic() {
    assertArrayEquals(
        Datasets.moons(50, 0.1, 3).x().toFloatArray(),
        Datasets.moons(50, 0.1, 3).x().toFloatArray());
    var rev = Datasets.reversal(4, 8, 10, 1);
    int[] x = rev.x().toIntArray();
    int[] y = rev.y().toIntArray();
    for (int j = 0; j < 8; j++) {
      assertEquals(x[7 - j], y[j]);
    }
    assertEquals(300, Datasets.spirals(300, 3, 0.1, 1).size());
    assertEquals(100, Datasets.circles(100, 0.5, 0.05, 1).size());
  }

  @Test
  void emptyDatasetAndMismatchedSizesAreClearErrors() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> Dataset.of(Tensor.zeros(0, 4), Tensor.zeros(0)));
    assertTrue(e.getMessage().contains("empty dataset"), e.getMessage());
    var m =
        assertThrows(
            IllegalArgumentException.class, () -> Dataset.of(Tensor.zeros(10, 4), Tensor.zeros(9)));
    assertEquals(
        "Dataset: mismatched batch sizes: x has 10 rows (shape [10,4]), y has 9 (shape [9])",
        m.getMessage());
  }

  @Test
  void csvMissingValueNamesLineAndColumn() {
    String csv = "a,b,label\n1,2,x\n3,,y\n";
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Csv.read(new StringReader(csv), "t.csv", "label"));
    assertEquals("Csv: t.csv line 3, column 'b': missing value", e.getMessage());
    var n =
        assertThrows(
            IllegalArgumentException.class,
            () -> Csv.read(new StringReader("a,label\nfoo,1\n"), "t.csv", "label"));
    assertTrue(n.getMessage().contains("'foo' is not a number"), n.getMessage());
    var c =
        assertThrows(
            IllegalArgumentException.class,
            () -> Csv.read(new StringReader(csv), "t.csv", "species"));
    assertTrue(c.getMessage().contains("no column 'species'"), c.getMessage());
  }

  @Test
  void datasetsRoundTripThroughArrowIpc(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    var iris = Datasets.iris();
    var file = dir.resolve("iris.arrow");
    iris.save(file);
    var back = Dataset.load(file);
    assertArrayEquals(iris.x().toFloatArray(), back.x().toFloatArray());
    assertArrayEquals(iris.y().toIntArray(), back.y().toIntArray());
    assertEquals(DType.INT32, back.y().dtype());
  }

  @Test
  void csvWithNumericLabelIsARegressionTarget() {
    var d = Csv.read(new StringReader("x,y\n1,2.5\n2,4.5\n"), "r.csv", "y");
    assertEquals(DType.FLOAT32, d.y().dtype());
    assertArrayEquals(new float[] {2.5f, 4.5f}, d.y().toFloatArray());
  }
}
