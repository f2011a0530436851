package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.dsl.data.Datasets;
import dev.quiver.dsl.layers.BatchNorm1d;
import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.layers.Embedding;
import dev.quiver.dsl.layers.LayerNorm;
import dev.quiver.dsl.layers.MultiHeadAttention;
import dev.quiver.dsl.layers.PositionalEmbedding;
import dev.quiver.dsl.layers.TransformerBlock;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.metrics.Metric;
import dev.quiver.dsl.optim.Adam;
import dev.quiver.dsl.train.Fit;
import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.GradCheck;
import org.junit.jupiter.api.Test;

class TransformerTest {

  @Test
  void layerNormGradientsAndStatistics() {
    var ln = LayerNorm.of();
    Tensor x = Tensor.randn(new long[] {3, 5}, 1);
    Tensor y = ln.apply(x);
    assertArrayEquals(new double[3], y.mean(1).toDoubleArray(), 1e-5);
    GradCheck.assertGradients(
        in -> {
          ln.gamma().set(in[1]);
          ln.beta().set(in[2]);
          return ln.apply(in[0]);
        },
        x,
        Tensor.randn(new long[] {5}, 2),
        Tensor.randn(new long[] {5}, 3));
  }

  @Test
  void batchNormNormalizesInTrainingAndUsesRunningStatsInEval() {
    var bn = BatchNorm1d.of();
    Tensor x = Tensor.randn(new long[] {64, 3}, 4).mul(3).add(5);
    Tensor y = bn.apply(x);
    assertArrayEquals(new double[3], y.mean(0).toDoubleArray(), 1e-4);
    // One update from (0, 1): running mean = 0.1·batch mean.
    assertArrayEquals(x.mean(0).mul(0.1).toFloatArray(), bn.runningMean().toFloatArray(), 1e-5f);
    var bn64 = BatchNorm1d.of();
    bn64.build(2).to(DType.FLOAT64);
    GradCheck.assertGradients(in -> bn64.apply(in[0]), Tensor.randn(new long[] {6, 2}, 5));
    bn.eval();
    Tensor one = bn.apply(x.slice(0, 0, 1));
    assertEquals(1, one.size(0));
  }

  @Test
  void embeddingAndAttentionGradients() {
    var emb = Embedding.of(10, 4);
    emb.seed(1);
    Tensor ids = Tensor.ofInts(new int[] {1, 2, 3, 1, 9, 0}, 2, 3);
    emb.build(3);
    GradCheck.assertGradients(
        in -> {
          emb.weight().set(in[0]);
          return emb.apply(ids);
        },
        emb.weight().value());

    var attn = MultiHeadAttention.of(2).causal();
    attn.seed(2);
    attn.build(3, 4).to(DType.FLOAT64);
    GradCheck.assertGradients(in -> attn.apply(in[0]), Tensor.randn(new long[] {2, 3, 4}, 6));
    var block = TransformerBlock.of(2, 8);
    block.seed(3);
    block.build(3, 4).to(DType.FLOAT64);
    GradCheck.assertGradients(in -> block.apply(in[0]), Tensor.randn(new long[] {1, 3, 4}, 7));
  }

  @Test
  void tinyTransformerLearnsToReverseSequences() {
    int len = 8;
    int vocab = 10;
    var data = Datasets.reversal(2000, len, vocab, 1).split(0.9, 42);
    var model =
        Sequential.of(
                Embedding.of(vocab, 16),
                PositionalEmbedding.of(),
                TransformerBlock.of(2, 32),
                Dense.of(vocab))
            .seed(7);
    long t0 = System.nanoTime();
    var history =
        model.fit(
            data.train(),
            Fit.epochs(8)
                .batch(50)
                .optimizer(Adam.lr(0.01))
                .loss(Loss.crossEntropy())
                .metrics(Metric.accuracy())
                .quiet());
    double acc = model.evaluate(data.test()).accuracy();
    System.out.printf(
        "reversal: token accuracy %.4f after %d steps in %.1f s%n",
        acc, history.steps(), (System.nanoTime() - t0) / 1e9);
    assertTrue(acc >= 0.95, "reversal accuracy " + acc);
  }
}
