package dev.quiver.bench;

import dev.quiver.dsl.Sequential;
import dev.quiver.dsl.data.Dataset;
import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.layers.Embedding;
import dev.quiver.dsl.layers.LSTM;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.optim.Adam;
import dev.quiver.dsl.train.Fit;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code lstm-train}: training steps of a next-token LSTM through {@code model.fit}: tokens of a
 * vocabulary of 64, embedded in 64 dimensions, an LSTM of hidden size 128 over sequences of 32, a
 * dense layer back to the 64 classes, cross-entropy at every position, Adam 0.001, batch N (default
 * 32), on random tokens. One row with 1 layer (the shape) and one with 2 layers; {@code
 * ms_per_step}. The torch peer trains the same model ({@code nn.Embedding}, {@code nn.LSTM}
 * batch-first, {@code nn.Linear}) on the same shapes.
 */
final class LstmTrainBench {
  static final int VOCAB = 64;
  static final int EMBED = 64;
  static final int HIDDEN = 128;
  static final int SEQ = 32;
  static final int STEPS = 10;

  private LstmTrainBench() {}

  static List<Row> run(Options o) throws Exception {
    int batch = (int) o.size();
    int rows = batch * STEPS;
    var r = new SplittableRandom(1);
    int[] x = new int[rows * SEQ];
    int[] y = new int[rows * SEQ];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextInt(VOCAB);
      y[i] = r.nextInt(VOCAB);
    }
    var data = Dataset.of(Tensor.ofInts(x, rows, SEQ), Tensor.ofInts(y, rows, SEQ));
    List<Row> out = new ArrayList<>();
    for (int layers : new int[] {1, 2}) {
      var model =
          Sequential.of(Embedding.of(VOCAB, EMBED), LSTM.of(HIDDEN).layers(layers), Dense.of(VOCAB))
              .seed(1)
              .to(o.device());
      var fit =
          Fit.epochs(1).batch(batch).optimizer(Adam.lr(0.001)).loss(Loss.crossEntropy()).quiet();
      double perEpoch =
          Timing.settledSecondsPerCall(
              () -> model.fit(data, fit), 1, o.repeats() > 0 ? o.repeats() : 7, 5.0, 30.0);
      double cpu = Timing.lastCpuSeconds;
      Row row = new Row().put("bench", "lstm-train");
      if (!o.device().equals(Device.CPU)) {
        row.put("device", o.device().toString());
      }
      out.add(
          row.put("layers", layers)
              .put("batch", batch)
              .put("ms_per_step", perEpoch / STEPS * 1e3)
              .put("ms_per_step_median", Timing.lastMedianSeconds / STEPS * 1e3)
              .put("cpu_ms_per_step", cpu / STEPS * 1e3)
              .put("warmup_s", Timing.lastWarmupSeconds)
              .put("core_us", Timing.lastCoreMicros)
              .put("ms_per_step_rounds", Timing.rounds(Timing.lastSamples, 1e3 / STEPS))
              .put("cpu_ms_per_step_rounds", Timing.rounds(Timing.lastCpus, 1e3 / STEPS))
              .put("core_us_rounds", Timing.rounds(Timing.lastCores, 1)));
    }
    return out;
  }

  /**
   * The peer's figures are {@code layersL_ms_per_step}, the faster of torch on 2 threads and on 1
   * (which one in {@code layersL_threads}): on a loaded 2-core machine one thread often wins.
   * Beside wall time, CPU time per step of each process ({@code cpu_ratio}): on a shared machine
   * wall time includes waiting for a core, CPU time is the work done.
   */
  static void addPeer(List<Row> rows, String peer, Map<String, Object> p) {
    for (Row r : rows) {
      String key = "layers" + r.get("layers");
      double theirs = ((Number) p.get(key + "_ms_per_step")).doubleValue();
      double mine = (Double) r.get("ms_per_step");
      double theirCpu = ((Number) p.get(key + "_cpu_ms_per_step")).doubleValue();
      r.put(peer + "_ms_per_step", theirs)
          .put(peer + "_cpu_ms_per_step", theirCpu)
          .put(peer + "_threads", ((Number) p.get(key + "_threads")).intValue())
          .put("ratio", mine / theirs)
          .put("cpu_ratio", (Double) r.get("cpu_ms_per_step") / theirCpu)
          .put(peer + "_ms_per_step_median", p.get(key + "_ms_per_step_median"))
          .put(peer + "_ms_per_step_rounds", p.get(key + "_ms_per_step_rounds"))
          .put(peer + "_cpu_ms_per_step_rounds", p.get(key + "_cpu_ms_per_step_rounds"));
    }
  }
}
