package dev.quiver.runtime.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TensorFormatTextTest {

  private static final double NAN = Double.NaN;
  private static final double INF = Double.POSITIVE_INFINITY;

  private static String floats(long[] shape, double... values) {
    return TensorFormat.toText(shape, i -> values[(int) i], false, "float32");
  }

  private static String ints(String dtype, long[] shape, double... values) {
    return TensorFormat.toText(shape, i -> values[(int) i], true, dtype);
  }

  private static long[] shape(long... sizes) {
    return sizes;
  }

  @Test
  void scalarIsABareNumberInsideTheName() {
    assertEquals("tensor(3.5000)", floats(shape(), 3.5));
    assertEquals("tensor(3.)", floats(shape(), 3));
    assertEquals("tensor(7, dtype=int32)", ints("int32", shape(), 7));
    assertEquals("tensor(nan)", floats(shape(), NAN));
  }

  @Test
  void elementsTextOfAScalarIsOnlyTheNumber() {
    var e = new TensorElements(shape(), i -> -0.25, false, "float32");
    assertEquals("-0.2500", TensorFormat.elementsText(e, TensorFormatOptions.DEFAULT));
    var m = new TensorElements(shape(2, 2), i -> i, false, "float32");
    assertEquals(
        "[[0., 1.],\n [2., 3.]]", TensorFormat.elementsText(m, TensorFormatOptions.DEFAULT));
  }

  @Test
  void oneDimensional() {
    assertEquals("tensor([0.5000, 1.2500, 3.0000])", floats(shape(3), 0.5, 1.25, 3));
    assertEquals("tensor([1., 2., 3.])", floats(shape(3), 1, 2, 3));
    assertEquals("tensor([0., 0.])", floats(shape(2), 0, 0));
  }

  @Test
  void twoDimensionalWithNegativesAlignsColumns() {
    assertEquals(
        """
                tensor([[ 1.0000, -2.5000],
                        [ 3.0000,  4.0000]])""",
        floats(shape(2, 2), 1, -2.5, 3, 4));
    assertEquals(
        """
                tensor([[ -1.,  20.],
                        [300.,   4.]])""",
        floats(shape(2, 2), -1, 20, 300, 4));
  }

  @Test
  void mixedMagnitudesUseScientificNotation() {
    assertEquals("tensor([1.0000e-05, 1.0000e+05])", floats(shape(2), 1e-5, 1e5));
    assertEquals("tensor([ 1.0000e-05, -2.5000e+00])", floats(shape(2), 1e-5, -2.5));
    // whole numbers too, once they span more than 1000x or exceed 1e8
    assertEquals("tensor([1.0000e+00, 2.0000e+03])", floats(shape(2), 1, 2000));
    assertEquals("tensor([1.0000e+09])", floats(shape(1), 1e9));
    assertEquals("tensor([1.0000e-300,  1.0000e+00])", floats(shape(2), 1e-300, 1));
    assertEquals("tensor([0.0000e+00, 1.2346e-07])", floats(shape(2), 0, 1.23456789e-7));
  }

  @Test
  void sciModeCanBeForcedEitherWay() {
    var e = new TensorElements(shape(2), i -> i == 0 ? 1e-5 : 1e5, false, "float32");
    assertEquals(
        "tensor([     0.0000, 100000.0000])",
        TensorFormat.toText(
            e, TensorFormatOptions.DEFAULT.withSciMode(TensorFormatOptions.SciMode.NEVER)));
    var small = new TensorElements(shape(2), i -> i + 1, false, "float32");
    assertEquals(
        "tensor([1.00e+00, 2.00e+00])",
        TensorFormat.toText(
            small,
            TensorFormatOptions.DEFAULT
                .withSciMode(TensorFormatOptions.SciMode.ALWAYS)
                .withPrecision(2)));
  }

  @Test
  void roundsHalfToEvenFromTheExactBinaryValue() {
    var options = TensorFormatOptions.DEFAULT.withPrecision(2);
    // 0.125 is exact: a tie, to even. 2.675 is stored as 2.67499999...: rounds down.
    var e =
        new TensorElements(
            shape(3), i -> new double[] {0.125, 0.375, 2.675}[(int) i], false, "float32");
    assertEquals("tensor([0.12, 0.38, 2.67])", TensorFormat.toText(e, options));
  }

  @Test
  void integersNameTheirDtypeUnlessItIsInt64() {
    assertEquals("tensor([1, 2, 3], dtype=int32)", ints("int32", shape(3), 1, 2, 3));
    assertEquals("tensor([  -1,   20, -300])", ints("int64", shape(3), -1, 20, -300));
    assertEquals("tensor([10000000000000000000], dtype=uint64)", ints("uint64", shape(1), 1e19));
    assertEquals("tensor([1, 2])", TensorFormat.toText(shape(2), i -> i + 1, true, null));
  }

  @Test
  void nanAndInfAreSpelledOut() {
    assertEquals("tensor([   nan,    inf,   -inf, 1.5000])", floats(shape(4), NAN, INF, -INF, 1.5));
    assertEquals("tensor([nan, inf,  1.,  2.])", floats(shape(4), NAN, INF, 1, 2));
    assertEquals("tensor([nan, nan])", floats(shape(2), NAN, NAN));
  }

  @Test
  void negativeZeroKeepsItsSign() {
    assertEquals("tensor([-0.,  1.])", floats(shape(2), -0.0, 1));
  }

  @Test
  void emptyTensors() {
    assertEquals("tensor([])", floats(shape(0)));
    assertEquals("tensor([], shape=[2, 0])", floats(shape(2, 0)));
    assertEquals("tensor([], shape=[0, 3], dtype=int32)", ints("int32", shape(0, 3)));
  }

  @Test
  void rankThreeSeparatesMatricesWithABlankLine() {
    assertEquals(
        """
                tensor([[[-5., -4., -3.],
                         [-2., -1.,  0.]],

                        [[ 1.,  2.,  3.],
                         [ 4.,  5.,  6.]]])""",
        TensorFormat.toText(shape(2, 2, 3), i -> i - 5, false, "float32"));
  }

  @Test
  void longRowsWrapAtTheLineWidth() {
    assertEquals(
        """
                tensor([0.0000, 0.1000, 0.2000, 0.3000, 0.4000, 0.5000, 0.6000, 0.7000, 0.8000,
                        0.9000, 1.0000, 1.1000, 1.2000, 1.3000, 1.4000, 1.5000, 1.6000, 1.7000,
                        1.8000, 1.9000, 2.0000, 2.1000, 2.2000, 2.3000, 2.4000, 2.5000, 2.6000,
                        2.7000, 2.8000, 2.9000])""",
        TensorFormat.toText(shape(30), i -> i / 10.0, false, "float32"));
  }

  @Test
  void twoThousandElementsAreSummarized() {
    var reads = new AtomicInteger();
    var text =
        TensorFormat.toText(
            shape(2000),
            i -> {
              reads.incrementAndGet();
              return i;
            },
            true,
            "int32");
    assertEquals(
        "tensor([   0,    1,    2,  ..., 1997, 1998, 1999], shape=[2000], dtype=int32)", text);
    assertEquals(6, reads.get(), "only the shown elements are read");

    assertEquals(
        """
                tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,
                        1.9990e+03], shape=[2000])""",
        TensorFormat.toText(shape(2000), i -> i, false, "float32"));
  }

  @Test
  void summarizedMatrixShowsEdgeRowsAndColumns() {
    assertEquals(
        """
                tensor([[   0,    1,    2,  ...,   47,   48,   49],
                        [  50,   51,   52,  ...,   97,   98,   99],
                        [ 100,  101,  102,  ...,  147,  148,  149],
                        ...,
                        [1850, 1851, 1852,  ..., 1897, 1898, 1899],
                        [1900, 1901, 1902,  ..., 1947, 1948, 1949],
                        [1950, 1951, 1952,  ..., 1997, 1998, 1999]], shape=[40, 50])""",
        TensorFormat.toText(shape(40, 50), i -> i, true, "int64"));
  }

  @Test
  void summarizingOnlyCutsAxesLongerThanTwiceTheEdge() {
    // 2 x 600 = 1200 elements: the short axis stays whole.
    assertEquals(
        """
                tensor([[   0,    1,    2,  ...,  597,  598,  599],
                        [ 600,  601,  602,  ..., 1197, 1198, 1199]], shape=[2, 600])""",
        TensorFormat.toText(shape(2, 600), i -> i, true, "int64"));
  }

  @Test
  void rankThreeSummarizedHasEllipsisBlocks() {
    var text = TensorFormat.toText(shape(12, 12, 12), i -> i, true, "int64");
    assertTrue(text.startsWith("tensor([[[   0,    1,    2,  ...,    9,   10,   11],\n"), text);
    assertTrue(text.contains("]],\n\n        ...,\n\n        [[1296,"), text);
    assertTrue(
        text.endsWith("[1716, 1717, 1718,  ..., 1725, 1726, 1727]]], shape=[12, 12, 12])"), text);
  }

  @Test
  void nameAndSuffixesAreOptions() {
    var e = new TensorElements(shape(2), i -> 0.5, false, "float32");
    var options =
        TensorFormatOptions.DEFAULT.withName("Parameter").withSuffix("requires_grad=true");
    assertEquals(
        "Parameter([0.5000, 0.5000], requires_grad=true)", TensorFormat.toText(e, options));
    var matrix = new TensorElements(shape(2, 2), i -> i, false, "float16");
    assertEquals(
        """
                Parameter([[0., 1.],
                           [2., 3.]], dtype=float16)""",
        TensorFormat.toText(matrix, options.withSuffixes(List.of())));
  }

  @Test
  void suffixThatWouldOverflowTheLineStartsANewOne() {
    var e = new TensorElements(shape(9), i -> i / 10.0, false, "bfloat16");
    assertEquals(
        """
                tensor([0.0000, 0.1000, 0.2000, 0.3000, 0.4000, 0.5000, 0.6000, 0.7000, 0.8000],
                       dtype=bfloat16)""",
        TensorFormat.toText(e));
  }

  @Test
  void badShapesSayWhatIsWrong() {
    var negative =
        assertThrows(
            IllegalArgumentException.class,
            () -> new TensorElements(shape(2, -1), i -> 0, false, "float32"));
    assertEquals("TensorElements: shape [2, -1] has a negative size", negative.getMessage());
    var huge =
        assertThrows(
            IllegalArgumentException.class,
            () -> new TensorElements(shape(1L << 40, 1L << 40), i -> 0, false, "float32"));
    assertTrue(huge.getMessage().contains("[1099511627776, 1099511627776]"), huge.getMessage());
  }
}
