package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.dsl.data.Sequences;
import dev.quiver.dsl.data.Vocabulary;
import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.layers.Embedding;
import dev.quiver.dsl.layers.LSTM;
import dev.quiver.dsl.layers.Masks;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.optim.Adam;
import dev.quiver.dsl.train.Fit;
import dev.quiver.runtime.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextTest {
  @Test
  void characterVocabularyRoundTripsAndMarksUnknowns() {
    var v = Vocabulary.chars("hello world");
    assertEquals(List.of("<pad>", "<unk>", " ", "d", "e", "h", "l", "o", "r", "w"), v.tokens());
    assertEquals(10, v.size());
    int[] ids = v.encode("hello");
    assertArrayEquals(new int[] {5, 4, 6, 6, 7}, ids);
    assertEquals("hello", v.decode(ids));
    assertArrayEquals(new int[] {5, 1, 6}, v.encode("hzl"));
    assertEquals("h<unk>l", v.decode(v.encode("hzl")));
    assertEquals("ol", v.decode(0, 7, 0, 6), "padding is left out");
    var emoji = Vocabulary.chars("a\uD83D\uDE00a");
    assertEquals(4, emoji.size(), "a surrogate pair is one token");
  }

  @Test
  void theShippedCorpusIsTheVerbatimGplText() throws Exception {
    String text = dev.quiver.dsl.data.Datasets.gplText();
    assertEquals(35149, text.length());
    var sha = java.security.MessageDigest.getInstance("SHA-256");
    var hex = java.util.HexFormat.of().formatHex(sha.digest(text.getBytes("UTF-8")));
    assertEquals("3972dc9744f6499f0f9b2dbf76696f2ae7ad8af9b23dde66d6af86c9dfb36986", hex);
    var v = Vocabulary.chars(text);
    assertEquals(text, v.decode(v.encode(text)));
    assertTrue(v.size() < 100, "a small character set: " + v);
  }

  @Test
  void wordVocabularyOrdersByCountAndDropsRareWords() {
    var v = Vocabulary.words("the cat and the dog and the bird", 2);
    assertEquals(List.of("<pad>", "<unk>", "the", "and"), v.tokens());
    assertArrayEquals(new int[] {2, 1, 3}, v.encode(" the  cat\nand "));
    assertEquals("the <unk> and", v.decode(v.encode("the cat and")));
    var all = Vocabulary.words("b a b c a b");
    assertEquals(List.of("<pad>", "<unk>", "b", "a", "c"), all.tokens());
  }

  @Test
  void batchesArePaddedAndTheMaskFindsTheRealSteps() {
    var v = Vocabulary.words("a b c");
    var batch = v.encodeBatch(List.of("a b c", "c", "b a"));
    assertArrayEquals(new long[] {3, 3}, batch.shape());
    assertArrayEquals(new int[] {2, 3, 4, 4, 0, 0, 3, 2, 0}, batch.toIntArray());
    var mask = Masks.padding(batch, v.padId());
    assertArrayEquals(new float[] {1, 1, 1, 1, 0, 0, 1, 1, 0}, mask.toFloatArray());
  }

  @Test
  void nextTokenWindowsShiftByOneAndStayInTheirRange() {
    int[] t = {10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
    var d = Sequences.nextToken(t, 0, 7, 3, 2);
    assertArrayEquals(new long[] {2, 3}, d.x().shape());
    assertArrayEquals(new int[] {10, 11, 12, 12, 13, 14}, d.x().toIntArray());
    assertArrayEquals(new int[] {11, 12, 13, 13, 14, 15}, d.y().toIntArray());
    int maxTarget = 0;
    for (int y : Sequences.nextToken(t, 0, 7, 2, 1).y().toIntArray()) {
      maxTarget = Math.max(maxTarget, y);
    }
    assertEquals(16, maxTarget, "targets end at to - 1");
    var e = assertThrows(IllegalArgumentException.class, () -> Sequences.nextToken(t, 0, 3, 3, 1));
    assertTrue(e.getMessage().contains("need at least 4"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Sequences.nextToken(t, 5, 11, 2, 1));
  }

  @Test
  void forecastWindowsHoldTheNextValues() {
    float[] s = {0, 1, 2, 3, 4, 5};
    var d = Sequences.forecast(s, 0, 6, 3, 2);
    assertArrayEquals(new long[] {2, 3, 1}, d.x().shape());
    assertArrayEquals(new float[] {0, 1, 2, 1, 2, 3}, d.x().toFloatArray());
    assertArrayEquals(new float[] {3, 4, 4, 5}, d.y().toFloatArray());
    float[] season = Sequences.seasonal(48, 24, 0, 0, 1);
    assertEquals(1.0, season[6], 1e-6);
    assertEquals(0.0, season[24], 1e-5);
  }

  @Test
  void greedyPicksTheLargestAndSamplingFollowsTheTemperature() {
    var logits = Tensor.of(new float[] {1, 3, 2, 0});
    assertEquals(1, Sampler.greedy().next(logits));
    int[] counts = new int[4];
    var s = Sampler.temperature(1).seed(7);
    int n = 20000;
    for (int i = 0; i < n; i++) {
      counts[s.next(logits)]++;
    }
    double z = Math.exp(1) + Math.exp(3) + Math.exp(2) + 1;
    assertEquals(Math.exp(3) / z, counts[1] / (double) n, 0.015);
    assertEquals(1 / z, counts[3] / (double) n, 0.01);
    int[] hot = new int[4];
    var cold = Sampler.temperature(0.25).seed(7);
    for (int i = 0; i < 2000; i++) {
      hot[cold.next(logits)]++;
    }
    assertTrue(hot[1] > 0.95 * 2000, "a low temperature is nearly greedy: " + hot[1]);
    var top2 = Sampler.temperature(5).topK(2).seed(3);
    for (int i = 0; i < 2000; i++) {
      int k = top2.next(logits);
      assertTrue(k == 1 || k == 2, "top-2 drew " + k);
    }
    var a = Sampler.temperature(1).seed(42);
    var b = Sampler.temperature(1).seed(42);
    for (int i = 0; i < 50; i++) {
      assertEquals(a.next(logits), b.next(logits));
    }
    assertThrows(IllegalArgumentException.class, () -> Sampler.temperature(0));
    assertThrows(IllegalArgumentException.class, () -> Sampler.greedy().topK(0));
    var nan =
        assertThrows(
            IllegalArgumentException.class,
            () -> Sampler.greedy().next(new float[] {0, Float.NaN}));
    assertTrue(nan.getMessage().contains("NaN at index 1"), nan.getMessage());
  }

  @Test
  void anLstmLanguageModelLearnsAPatternAndGeneratesIt() {
    String text = "abcd".repeat(60);
    var v = Vocabulary.chars(text);
    int[] ids = v.encode(text);
    var data = Sequences.nextToken(ids, 8, 3);
    var model = Sequential.of(Embedding.of(v.size(), 8), LSTM.of(16), Dense.of(v.size())).seed(1);
    model.fit(
        data, Fit.epochs(30).batch(16).optimizer(Adam.lr(0.02)).loss(Loss.crossEntropy()).quiet());
    int[] next = Sampler.greedy().generate(model, v.encode("bcda"), 12, 8);
    assertEquals("bcdabcdabcda", v.decode(next));
    int[] sampled = Sampler.temperature(1).seed(5).generate(model, v.encode("ab"), 20, 8);
    assertEquals(20, sampled.length);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Sampler.greedy()
                    .generate(
                        Sequential.of(Embedding.of(6, 4), LSTM.of(4).lastState()),
                        new int[] {2},
                        1,
                        4));
    assertTrue(e.getMessage().contains("logits [1, 1, vocab], got [1,4]"), e.getMessage());
  }
}
