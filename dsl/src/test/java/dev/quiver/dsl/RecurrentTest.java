package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.layers.Embedding;
import dev.quiver.dsl.layers.GRU;
import dev.quiver.dsl.layers.LSTM;
import dev.quiver.dsl.layers.Masks;
import dev.quiver.dsl.layers.RNN;
import dev.quiver.dsl.layers.Recurrent;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.GradCheck;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecurrentTest {
  @TempDir Path dir;

  private static Tensor x(long... shape) {
    return Tensor.randn(shape, 11).to(DType.FLOAT64);
  }

  /** Backpropagation through time, from autodiff, against finite differences: every weight. */
  static void assertGradients(Recurrent<?> layer, Tensor x) {
    layer.build(x.size(1), x.size(2)).to(DType.FLOAT64);
    var params = List.copyOf(layer.namedParams().values());
    Tensor[] inputs = new Tensor[params.size() + 1];
    inputs[0] = x;
    for (int i = 0; i < params.size(); i++) {
      inputs[i + 1] = params.get(i).value();
    }
    GradCheck.assertGradients(
        in -> {
          for (int i = 0; i < params.size(); i++) {
            params.get(i).set(in[i + 1]);
          }
          return layer.apply(in[0]);
        },
        inputs);
  }

  @Test
  void eachCellsGradientsPassTheChecker() {
    assertGradients(RNN.of(4).seed(1), x(2, 3, 3));
    assertGradients(LSTM.of(4).seed(2), x(2, 3, 3));
    assertGradients(GRU.of(4).seed(3), x(2, 3, 3));
  }

  @Test
  void stackedBidirectionalGradientsPassTheChecker() {
    assertGradients(LSTM.of(3).layers(2).bidirectional().seed(4), x(2, 3, 2));
    assertGradients(GRU.of(3).layers(2).bidirectional().lastState().seed(5), x(2, 3, 2));
    assertGradients(RNN.of(3).layers(2).timeFirst().seed(6), x(3, 2, 2));
  }

  @Test
  void weightsHaveTorchsNamesAndShapes() {
    var lstm = LSTM.of(5).layers(2).bidirectional().seed(1);
    lstm.build(7, 3);
    var shapes = new java.util.LinkedHashMap<String, String>();
    lstm.namedParams().forEach((n, p) -> shapes.put(n, java.util.Arrays.toString(p.shape())));
    assertEquals(
        "{weight_ih_l0=[20, 3], weight_hh_l0=[20, 5], bias_ih_l0=[20], bias_hh_l0=[20],"
            + " weight_ih_l0_reverse=[20, 3], weight_hh_l0_reverse=[20, 5],"
            + " bias_ih_l0_reverse=[20], bias_hh_l0_reverse=[20],"
            + " weight_ih_l1=[20, 10], weight_hh_l1=[20, 5], bias_ih_l1=[20], bias_hh_l1=[20],"
            + " weight_ih_l1_reverse=[20, 10], weight_hh_l1_reverse=[20, 5],"
            + " bias_ih_l1_reverse=[20], bias_hh_l1_reverse=[20]}",
        shapes.toString());
    assertEquals(
        List.of(15L, 5L), List.of(gru(5).namedParams().get("weight_hh_l0").shape()[0], 5L));
    // torch: U(-1/sqrt(hidden), 1/sqrt(hidden))
    double bound = 1 / Math.sqrt(5);
    for (Param p : lstm.namedParams().values()) {
      assertTrue(p.value().abs().max().item() <= bound, "within the bound");
    }
  }

  private static GRU gru(int hidden) {
    var g = GRU.of(hidden).seed(1);
    g.build(2, 4);
    return g;
  }

  @Test
  void shapesOfEveryLayout() {
    Tensor x = Tensor.randn(new long[] {2, 6, 3}, 1); // [batch, seq, in]
    assertArrayEquals(new long[] {2, 6, 4}, LSTM.of(4).apply(x).shape());
    assertArrayEquals(new long[] {2, 6, 8}, GRU.of(4).bidirectional().apply(x).shape());
    assertArrayEquals(new long[] {2, 8}, RNN.of(4).bidirectional().lastState().apply(x).shape());
    assertArrayEquals(new long[] {2, 6, 4}, LSTM.of(4).timeFirst().apply(x).shape());
    var out = LSTM.of(4).layers(3).bidirectional().run(x);
    assertArrayEquals(new long[] {2, 6, 8}, out.sequence().shape());
    assertArrayEquals(new long[] {6, 2, 4}, out.last().h().shape());
    assertArrayEquals(new long[] {6, 2, 4}, out.last().c().shape());
  }

  @Test
  void lastStateIsTheSequencesLastStepForwardAndFirstStepBackward() {
    Tensor x = Tensor.randn(new long[] {2, 5, 3}, 2);
    var lstm = LSTM.of(4).bidirectional().seed(3);
    Tensor seq = lstm.apply(x);
    var last = LSTM.of(4).bidirectional().lastState().seed(3).apply(x);
    Tensor expected =
        Tensor.concat(1, seq.select(1, 4).slice(1, 0, 4), seq.select(1, 0).slice(1, 4, 8));
    assertArrayEquals(expected.toFloatArray(), last.toFloatArray(), 1e-6f);
  }

  @Test
  void anInitialStateIsTheStartingPoint() {
    var lstm = LSTM.of(3).seed(1);
    Tensor x = Tensor.randn(new long[] {2, 4, 2}, 3);
    var whole = lstm.run(x);
    // Running the first two steps, then the last two from where they ended, gives the same.
    var first = lstm.run(x.slice(1, 0, 2));
    var rest = lstm.run(x.slice(1, 2, 4), null, first.last());
    assertArrayEquals(
        whole.sequence().slice(1, 2, 4).toFloatArray(), rest.sequence().toFloatArray(), 1e-6f);
    assertArrayEquals(whole.last().c().toFloatArray(), rest.last().c().toFloatArray(), 1e-6f);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                lstm.run(
                    x, null, new Recurrent.State(Tensor.zeros(1, 3, 3), Tensor.zeros(1, 3, 3))));
    assertEquals(
        "lstm (LSTM): the initial h has shape [1,3,3], expected [layers·directions, batch, hidden]"
            + " = [1, 2, 3]",
        e.getMessage());
  }

  /** Padding changes neither the outputs at real steps, nor the final state, nor the gradients. */
  @Test
  void paddedStepsChangeNeitherTheStateNorTheGradients() {
    for (Recurrent<?> layer :
        new Recurrent<?>[] {
          LSTM.of(3).bidirectional().layers(2).seed(1), GRU.of(3).bidirectional().seed(2)
        }) {
      layer.build(5, 2);
      Tensor a = Tensor.randn(new long[] {1, 3, 2}, 5); // length 3
      Tensor b = Tensor.randn(new long[] {1, 5, 2}, 6); // length 5
      // The batch: a padded with garbage to 5 steps, then b.
      Tensor padded = Tensor.concat(0, Tensor.concat(1, a, Tensor.full(9, 1, 2, 2)), b);
      Tensor lengths = Tensor.ofInts(3, 5);

      Tensor together = layer.apply(padded, lengths);
      Tensor aAlone = layer.apply(a);
      assertArrayEquals(
          aAlone.toFloatArray(), together.slice(0, 0, 1).slice(1, 0, 3).toFloatArray(), 1e-6f);
      assertEquals(0, together.slice(0, 0, 1).slice(1, 3, 5).abs().sum().item(), "padded outputs");
      assertArrayEquals(
          layer.apply(b).toFloatArray(), together.slice(0, 1, 2).toFloatArray(), 1e-6f);
      var lastTogether = layer.run(padded, Masks.fromLengths(lengths, 5), null).last().h();
      var lastAlone = layer.run(a).last().h();
      assertArrayEquals(
          lastAlone.toFloatArray(), lastTogether.slice(1, 0, 1).toFloatArray(), 1e-6f);

      // Gradients of a masked mean loss: the same with and without padding.
      layer.zeroGrad();
      Masks.meanPool(layer.apply(a), Tensor.ones(1, 3)).sum().backward();
      var alone = grads(layer);
      layer.zeroGrad();
      Masks.meanPool(
              layer.apply(padded.slice(0, 0, 1), lengths.slice(0, 0, 1)),
              Masks.fromLengths(lengths.slice(0, 0, 1), 5))
          .sum()
          .backward();
      var withPadding = grads(layer);
      for (int i = 0; i < alone.size(); i++) {
        assertArrayEquals(alone.get(i), withPadding.get(i), 1e-6f, "gradient " + i);
      }
    }
  }

  private static List<float[]> grads(Module m) {
    return m.parameters().stream().map(p -> p.grad().toFloatArray()).toList();
  }

  @Test
  void masksPoolAndAverageOverRealStepsOnly() {
    Tensor h = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2);
    Tensor mask = Masks.fromLengths(Tensor.ofInts(1, 2), 2);
    assertArrayEquals(new float[] {1, 0, 1, 1}, mask.toFloatArray());
    assertArrayEquals(new float[] {1, 2, 6, 7}, Masks.meanPool(h, mask).toFloatArray());
    assertEquals(
        (1 + 3 + 4) / 3.0,
        Masks.mean(Tensor.of(new float[] {1, 2, 3, 4}, 2, 2), mask).item(),
        1e-6);
    assertArrayEquals(new int[] {1, 2}, Masks.lengths(mask).toIntArray());
    Tensor ids = Tensor.ofInts(new int[] {4, 0, 5, 6}, 2, 2);
    assertArrayEquals(new float[] {1, 0, 1, 1}, Masks.padding(ids, 0).toFloatArray());
    var e =
        assertThrows(IllegalArgumentException.class, () -> Masks.fromLengths(Tensor.ofInts(3), 2));
    assertEquals(
        "Masks.fromLengths: length 3 of row 0 is outside 0..2 (the sequence length)",
        e.getMessage());
  }

  @Test
  void theIgnoringCrossEntropyCountsRealPositionsOnly() {
    Tensor logits = Tensor.randn(new long[] {2, 3, 4}, 1).requiresGrad();
    Tensor target = Tensor.ofInts(new int[] {1, 2, -1, 3, -1, -1}, 2, 3);
    Tensor loss = Loss.crossEntropyIgnoring(-1).compute(logits, target);
    Tensor real =
        Tensor.stack(
            0,
            logits.select(0, 0).select(0, 0),
            logits.select(0, 0).select(0, 1),
            logits.select(0, 1).select(0, 0));
    assertEquals(
        Loss.crossEntropy().compute(real, Tensor.ofInts(1, 2, 3)).item(), loss.item(), 1e-6);
    loss.backward();
    assertEquals(0, logits.grad().select(0, 1).slice(0, 1, 3).abs().sum().item(), "padding");
    assertEquals(0, logits.grad().select(0, 0).select(0, 2).abs().sum().item(), "padding");
    GradCheck.assertGradients(
        in -> Loss.crossEntropyIgnoring(-1).compute(in[0], target),
        Tensor.randn(new long[] {2, 3, 4}, 2));
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Loss.crossEntropyIgnoring(0).compute(Tensor.zeros(1, 3), Tensor.ofInts(5)));
    assertEquals(
        "cross_entropy: label 5 at position 0 is out of range for 3 classes (0..2) and is not the"
            + " ignored 0",
        e.getMessage());
  }

  @Test
  void sequencesOfAnyLengthPassThroughASequential() {
    var model = Sequential.of(Embedding.of(10, 4), GRU.of(6), Dense.of(10)).seed(1);
    assertArrayEquals(
        new long[] {2, 7, 10}, model.predict(Tensor.ofInts(new int[14], 2, 7)).shape());
    assertArrayEquals(
        new long[] {1, 1, 10}, model.predict(Tensor.ofInts(new int[1], 1, 1)).shape());
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> LSTM.of(3).input(4).apply(Tensor.zeros(2, 5, 3)));
    assertTrue(
        e.getMessage().startsWith("lstm (LSTM): expects per-sample shape [1, 4]"), e.getMessage());
  }

  @Test
  void savedRecurrentModelsLoadAndPredictTheSame() {
    var model =
        Sequential.of(
                LSTM.of(4).layers(2).dropout(0.1).bidirectional(),
                GRU.of(3).lastState(),
                Dense.of(2))
            .seed(3);
    Tensor x = Tensor.randn(new long[] {2, 5, 3}, 1);
    Tensor y = model.eval().predict(x);
    model.save(dir.resolve("m"));
    var loaded = Models.load(dir.resolve("m"));
    assertArrayEquals(y.toFloatArray(), loaded.eval().predict(x).toFloatArray());
    var rnn = Sequential.of(RNN.of(3).relu().timeFirst()).seed(2);
    Tensor y2 = rnn.predict(x);
    rnn.save(dir.resolve("r"));
    assertArrayEquals(y2.toFloatArray(), Models.load(dir.resolve("r")).predict(x).toFloatArray());
  }

  @Test
  void dropoutActsBetweenLayersInTrainingOnly() {
    var lstm = LSTM.of(8).layers(2).dropout(0.5).seed(1);
    Tensor x = Tensor.randn(new long[] {4, 5, 3}, 2);
    Tensor a = lstm.apply(x);
    Tensor b = lstm.apply(x);
    assertTrue(a.sub(b).abs().max().item() > 1e-3, "two draws of the mask differ");
    lstm.eval();
    assertArrayEquals(lstm.apply(x).toFloatArray(), lstm.apply(x).toFloatArray());
  }
}
