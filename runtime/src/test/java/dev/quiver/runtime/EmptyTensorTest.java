package dev.quiver.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Tensors with a 0 anywhere in their shape go through every op without touching memory. */
class EmptyTensorTest {
  @Test
  void copiesAndReadsOutWithAZeroInsideTheShape() {
    Tensor t = Tensor.of(new float[0], 2, 0, 3);
    assertTrue(t.isContiguous());
    assertEquals(0, t.toFloatArray().length);
    Tensor moved = t.permute(2, 0, 1).contiguous();
    assertArrayEquals(new long[] {3, 2, 0}, moved.shape());
    assertEquals(0, moved.copy().numel());
  }

  @Test
  void elementwiseAndReductionsOnEmptyTensors() {
    Tensor t = Tensor.zeros(2, 0);
    assertArrayEquals(new long[] {2, 0}, t.exp().add(t).shape());
    // The sum over an empty axis is 0, as in numpy.
    assertArrayEquals(new float[] {0f, 0f}, t.sum(1).toFloatArray());
    assertEquals(0, t.sum(0).numel());
  }
}
