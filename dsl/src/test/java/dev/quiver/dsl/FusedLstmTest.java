package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.dsl.layers.LSTM;
import dev.quiver.dsl.layers.Masks;
import dev.quiver.dsl.layers.Recurrent;
import dev.quiver.runtime.DType;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.GradCheck;
import dev.quiver.runtime.ops.Recurrences;
import dev.quiver.runtime.testing.SimulatedDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The fused LSTM op ({@link Recurrences#lstm}, what {@code LSTM} runs on the CPU) against the
 * composed step ({@code LSTM.composed()}, thirteen tensor ops per step and their autodiff): the
 * same outputs, final states and gradients, on the same weights, within float32 rounding.
 */
class FusedLstmTest {

  /** Runs {@code loss} through both layers (same seed: same weights), returns what it produced. */
  private static List<float[]> run(LSTM layer, Tensor x, Supplier<Tensor> h0, Tensor mask) {
    layer.build(x.size(1), x.size(2));
    Tensor xg = x.detach().requiresGrad();
    Tensor h = h0 == null ? null : h0.get().requiresGrad();
    Tensor c = h0 == null ? null : h0.get().mul(0.5).requiresGrad();
    var out = layer.run(xg, mask, h == null ? null : new Recurrent.State(h, c));
    // A loss that weighs every output and both final states differently.
    Tensor w = Tensor.randn(out.sequence().shape(), 99);
    out.sequence()
        .mul(w)
        .sum()
        .add(out.last().h().square().sum())
        .add(out.last().c().mul(0.3).sum())
        .backward();
    List<float[]> got = new ArrayList<>();
    got.add(out.sequence().toFloatArray());
    got.add(out.last().h().toFloatArray());
    got.add(out.last().c().toFloatArray());
    got.add(xg.grad().toFloatArray());
    if (h != null) {
      got.add(h.grad().toFloatArray());
      got.add(c.grad().toFloatArray());
    }
    layer.parameters().forEach(p -> got.add(p.grad().toFloatArray()));
    return got;
  }

  private static void assertSame(Supplier<LSTM> make, Tensor x, Supplier<Tensor> h0, Tensor mask) {
    List<float[]> fused = run(make.get(), x, h0, mask);
    List<float[]> composed = run(make.get().composed(), x, h0, mask);
    assertEquals(composed.size(), fused.size());
    for (int i = 0; i < fused.size(); i++) {
      float[] a = composed.get(i);
      float[] b = fused.get(i);
      assertEquals(a.length, b.length);
      for (int k = 0; k < a.length; k++) {
        float tol = 2e-5f * Math.max(1, Math.abs(a[k]));
        assertEquals(a[k], b[k], tol, "result " + i + " element " + k);
      }
    }
  }

  @Test
  void fusedAndComposedAgreeOnOutputsStatesAndEveryGradient() {
    Tensor x = Tensor.randn(new long[] {3, 7, 5}, 1);
    assertSame(() -> LSTM.of(16).seed(2), x, null, null);
    assertSame(() -> LSTM.of(6).layers(2).bidirectional().seed(3), x, null, null);
    // 35 units: the vector loop and the scalar tail both run whatever the vector width.
    assertSame(
        () -> LSTM.of(35).layers(2).seed(4), x, () -> Tensor.randn(new long[] {2, 3, 35}, 5), null);
  }

  @Test
  void fusedAndComposedAgreeOnPaddedBatches() {
    Tensor x = Tensor.randn(new long[] {3, 6, 4}, 7);
    Tensor mask = Masks.fromLengths(Tensor.ofInts(6, 2, 4), 6);
    assertSame(() -> LSTM.of(8).bidirectional().layers(2).seed(8), x, null, mask);
    assertSame(
        () -> LSTM.of(5).bidirectional().seed(9),
        x,
        () -> Tensor.randn(new long[] {2, 3, 5}, 10),
        mask);
  }

  @Test
  void fusedAndComposedAgreeWhenRowsAreSplitOverThreads() {
    // 13 rows: the CPU kernel runs blocks of rows on different threads, the last block short;
    // 70 units: 4·70 = 280 is more than one slice of the product's inner dimension backward, and
    // 260 units forward.
    Tensor x = Tensor.randn(new long[] {13, 5, 6}, 12);
    Tensor mask = Masks.fromLengths(Tensor.ofInts(5, 1, 3, 5, 2, 4, 5, 5, 1, 2, 3, 4, 5), 5);
    assertSame(
        () -> LSTM.of(70).bidirectional().seed(13),
        x,
        () -> Tensor.randn(new long[] {2, 13, 70}, 14),
        mask);
    assertSame(() -> LSTM.of(260).seed(15), x, null, null);
  }

  /** Every result of the op on {@code device} and every gradient, on fixed operands. */
  private static List<float[]> op(Device device, Tensor mask, boolean reverse) {
    Tensor xw = Tensor.randn(new long[] {9, 6, 28}, 21).to(device).requiresGrad();
    Tensor whh = Tensor.randn(new long[] {28, 7}, 22).mul(0.4).to(device).requiresGrad();
    Tensor h0 = Tensor.randn(new long[] {9, 7}, 23).to(device).requiresGrad();
    Tensor c0 = Tensor.randn(new long[] {9, 7}, 24).to(device).requiresGrad();
    Tensor m = mask == null ? null : mask.to(device);
    Tensor s = Recurrences.lstm(xw, whh, h0, c0, m, reverse);
    s.mul(Tensor.randn(s.shape(), 25).to(device)).sum().backward();
    return List.of(
        s.toFloatArray(),
        xw.grad().toFloatArray(),
        whh.grad().toFloatArray(),
        h0.grad().toFloatArray(),
        c0.grad().toFloatArray());
  }

  @Test
  void theWholeSequenceKernelAgreesWithTheStepByStepPath() {
    // The simulated device has the per-step kernel (Backend.lstmCell) but not the whole-sequence
    // one, so the op runs there step by step, on the same CPU arithmetic.
    SimulatedDevice.install();
    Device sim = SimulatedDevice.DEVICE;
    Tensor mask = Masks.fromLengths(Tensor.ofInts(6, 2, 4, 1, 6, 5, 3, 6, 6), 6);
    for (boolean reverse : new boolean[] {false, true}) {
      for (Tensor m : new Tensor[] {null, mask}) {
        List<float[]> whole = op(Device.CPU, m, reverse);
        List<float[]> steps = op(sim, m, reverse);
        for (int i = 0; i < whole.size(); i++) {
          float[] a = steps.get(i);
          float[] b = whole.get(i);
          for (int k = 0; k < a.length; k++) {
            assertEquals(
                a[k], b[k], 1e-5f * Math.max(1, Math.abs(a[k])), "result " + i + " at " + k);
          }
        }
      }
    }
  }

  @Test
  void theFusedOpsGradientsPassTheChecker() {
    Tensor xw = Tensor.randn(new long[] {2, 4, 12}, 1).to(DType.FLOAT64);
    Tensor whh = Tensor.randn(new long[] {12, 3}, 2).mul(0.5).to(DType.FLOAT64);
    Tensor h0 = Tensor.randn(new long[] {2, 3}, 3).to(DType.FLOAT64);
    Tensor c0 = Tensor.randn(new long[] {2, 3}, 4).to(DType.FLOAT64);
    Tensor mask = Tensor.of(new float[] {1, 1, 0, 0, 1, 1, 1, 1}, 2, 4).to(DType.FLOAT64);
    for (boolean reverse : new boolean[] {false, true}) {
      for (Tensor m : new Tensor[] {null, mask}) {
        GradCheck.assertGradients(
            in -> {
              Tensor s = Recurrences.lstm(in[0], in[1], in[2], in[3], m, reverse);
              assertTrue(s != null, "the CPU backend has the fused kernel for float64");
              return s;
            },
            xw,
            whh,
            h0,
            c0);
      }
    }
  }

  @Test
  void theComposedReferencePassesTheCheckerToo() {
    LSTM lstm = LSTM.of(3).layers(2).bidirectional().seed(4).composed();
    Tensor x = Tensor.randn(new long[] {2, 3, 2}, 11).to(DType.FLOAT64);
    RecurrentTest.assertGradients(lstm, x);
  }

  @Test
  void badOperandsAreNamed() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Recurrences.lstm(
                    Tensor.zeros(2, 3, 8),
                    Tensor.zeros(8, 2),
                    Tensor.zeros(2, 3),
                    Tensor.zeros(2, 2),
                    null,
                    false));
    assertEquals(
        "lstm: h0 and c0 must be [batch, hidden] = [2, 2]; got xw [2,3,8], whh [8,2], h0 [2,3],"
            + " c0 [2,2]",
        e.getMessage());
    assertArrayEquals(
        new long[] {2, 2, 3, 2},
        Recurrences.lstm(
                Tensor.zeros(2, 3, 8),
                Tensor.zeros(8, 2),
                Tensor.zeros(2, 2),
                Tensor.zeros(2, 2),
                null,
                false)
            .shape());
  }
}
