package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.dsl.layers.GRU;
import dev.quiver.dsl.layers.LSTM;
import dev.quiver.dsl.layers.RNN;
import dev.quiver.dsl.layers.Recurrent;
import dev.quiver.runtime.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recurrent layers against torch's {@code nn.LSTM}, {@code nn.GRU} and {@code nn.RNN} on the
 * same weights and inputs (Debian's python3-torch, run by {@code
 * src/test/python/recurrent_torch.py} under {@code /usr/bin/python3}): outputs, final states and
 * the gradients of every weight and of the input agree within float32 tolerance. Proves that gate
 * order, weight shapes and names, the GRU's reset form, bidirectional concatenation, h_n's layout,
 * initial states and masks (against torch's packed sequences) are torch's.
 */
@Tag("cpu-only") // compares host values with another process; not part of the device suite
class TorchRecurrentTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path MODULE =
      Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
  private static final Path SCRIPT = MODULE.resolve("src/test/python/recurrent_torch.py");
  private static final String PYTHON = "/usr/bin/python3";

  @TempDir Path dir;

  @Test
  void twoLayerLstmMatchesTorch() throws Exception {
    compare(LSTM.of(5).layers(2).seed(1), 3, 4, 6, false, null);
  }

  @Test
  void bidirectionalLstmFromAnInitialStateMatchesTorch() throws Exception {
    compare(LSTM.of(4).layers(2).bidirectional().seed(2), 3, 2, 5, true, null);
  }

  @Test
  void gruMatchesTorch() throws Exception {
    compare(GRU.of(5).layers(2).timeFirst().seed(3), 3, 4, 6, true, null);
  }

  @Test
  void bidirectionalGruMatchesTorch() throws Exception {
    compare(GRU.of(3).bidirectional().seed(4), 2, 3, 4, false, null);
  }

  @Test
  void rnnMatchesTorch() throws Exception {
    compare(RNN.of(4).layers(2).seed(5), 3, 3, 5, false, null);
    compare(RNN.of(4).relu().bidirectional().noBias().seed(6), 3, 3, 5, false, null);
  }

  @Test
  void maskedBatchesMatchTorchsPackedSequences() throws Exception {
    compare(LSTM.of(4).layers(2).bidirectional().seed(7), 3, 4, 6, false, new int[] {6, 2, 4, 1});
    compare(GRU.of(3).bidirectional().timeFirst().seed(8), 2, 3, 5, true, new int[] {3, 5, 1});
  }

  /**
   * Writes a case, runs torch on it, compares: y, h_n, c_n, dL/dW for every weight, dL/dx and the
   * initial state's gradients, where L = Σ wy·y + Σ wh·h_n + Σ wc·c_n with random weights.
   */
  private void compare(
      Recurrent<?> layer, int input, int batch, int seq, boolean initialState, int[] lengths)
      throws Exception {
    requireTorch();
    long[] xShape =
        layer.isBatchFirst() ? new long[] {batch, seq, input} : new long[] {seq, batch, input};
    Tensor x = Tensor.randn(xShape, 21).requiresGrad();
    layer.build(xShape[1], input);
    int states = layer.numLayers() * (layer.isBidirectional() ? 2 : 1);
    boolean lstm = layer instanceof LSTM;
    Recurrent.State s0 = null;
    if (initialState) {
      s0 =
          new Recurrent.State(
              Tensor.randn(new long[] {states, batch, layer.hiddenSize()}, 22).requiresGrad(),
              lstm
                  ? Tensor.randn(new long[] {states, batch, layer.hiddenSize()}, 23).requiresGrad()
                  : null);
    }
    Tensor mask = lengths == null ? null : Tensor.ofInts(lengths);
    var out = layer.run(x, mask, s0);
    Tensor wy = Tensor.randn(out.sequence().shape(), 24);
    Tensor wh = Tensor.randn(out.last().h().shape(), 25);
    Tensor wc = lstm ? Tensor.randn(out.last().c().shape(), 26) : null;
    Tensor loss = out.sequence().mul(wy).sum().add(out.last().h().mul(wh).sum());
    if (lstm) {
      loss = loss.add(out.last().c().mul(wc).sum());
    }
    layer.zeroGrad();
    loss.backward();

    ObjectNode c = JSON.createObjectNode();
    c.put("kind", layer.getClass().getSimpleName());
    c.put("input", input);
    c.put("hidden", layer.hiddenSize());
    c.put("layers", layer.numLayers());
    c.put("bias", layer.hasBias());
    c.put("batch_first", layer.isBatchFirst());
    c.put("bidirectional", layer.isBidirectional());
    if (layer instanceof RNN rnn) {
      c.put("nonlinearity", rnn.nonlinearity());
    }
    ObjectNode weights = c.putObject("weights");
    layer.namedParams().forEach((n, p) -> weights.set(n, json(p.value())));
    c.set("x", json(x));
    if (s0 != null) {
      c.set("h0", json(s0.h()));
      if (lstm) {
        c.set("c0", json(s0.c()));
      }
    }
    if (lengths != null) {
      var a = c.putArray("lengths");
      for (int l : lengths) {
        a.add(l);
      }
    }
    c.set("wy", json(wy));
    c.set("wh", json(wh));
    if (lstm) {
      c.set("wc", json(wc));
    }
    JsonNode torch = runTorch(c);

    String what = layer.getClass().getSimpleName() + " " + ((Saveable<?>) layer).config();
    close(what + " y", torch.get("y"), out.sequence());
    close(what + " h_n", torch.get("h_n"), out.last().h());
    if (lstm) {
      close(what + " c_n", torch.get("c_n"), out.last().c());
    }
    List<String> names = new ArrayList<>(layer.namedParams().keySet());
    for (String n : names) {
      close(
          what + " dL/d" + n, torch.get("grads").get(n), layer.namedParams().get(n).value().grad());
    }
    close(what + " dL/dx", torch.get("x_grad"), x.grad());
    if (s0 != null) {
      close(what + " dL/dh0", torch.get("h0_grad"), s0.h().grad());
      if (lstm) {
        close(what + " dL/dc0", torch.get("c0_grad"), s0.c().grad());
      }
    }
  }

  /** Within float32 tolerance: |a - b| <= 1e-5 + 1e-4·|b| for every element. */
  private static void close(String what, JsonNode torch, Tensor mine) {
    assertTrue(torch != null, what + ": torch gave nothing");
    long[] shape = new long[torch.get("shape").size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = torch.get("shape").get(i).asLong();
    }
    assertArrayEquals(shape, mine.shape(), what + ": shape");
    float[] m = mine.toFloatArray();
    JsonNode data = torch.get("data");
    assertEquals(m.length, data.size(), what);
    for (int i = 0; i < m.length; i++) {
      double t = data.get(i).asDouble();
      if (Math.abs(m[i] - t) > 1e-5 + 1e-4 * Math.abs(t)) {
        fail(what + ": element " + i + " is " + m[i] + " here, " + t + " in torch");
      }
    }
  }

  private static ObjectNode json(Tensor t) {
    ObjectNode n = JSON.createObjectNode();
    var shape = n.putArray("shape");
    for (long s : t.shape()) {
      shape.add(s);
    }
    var data = n.putArray("data");
    for (float v : t.toFloatArray()) {
      data.add(v);
    }
    return n;
  }

  private JsonNode runTorch(ObjectNode c) throws IOException, InterruptedException {
    Path in = dir.resolve("case.json");
    Path out = dir.resolve("result.json");
    Path err = dir.resolve("stderr.txt");
    JSON.writeValue(in.toFile(), c);
    var p =
        new ProcessBuilder(PYTHON, SCRIPT.toString(), in.toString(), out.toString())
            .redirectErrorStream(true)
            .redirectOutput(err.toFile())
            .start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(PYTHON + " " + SCRIPT + " did not finish within 120 s");
    }
    if (p.exitValue() != 0) {
      fail(PYTHON + " " + SCRIPT + " exited with " + p.exitValue() + ":\n" + Files.readString(err));
    }
    return JSON.readTree(out.toFile());
  }

  /**
   * Skips, saying why, where torch is missing, except on CI, where a skipped comparison would hide
   * a gap; {@code ./quiver test} installs Debian's python3-torch when it runs as root.
   */
  private static void requireTorch() {
    String missing = null;
    if (!Files.isExecutable(Path.of(PYTHON))) {
      missing = PYTHON + " is missing";
    } else if (!imports("torch")) {
      missing = PYTHON + " cannot import torch (Debian's python3-torch)";
    }
    if (missing == null) {
      return;
    }
    String message =
        "Recurrent layers vs torch: "
            + missing
            + "; install it with: sudo apt-get install python3-torch (./quiver test does, as root)";
    if ("true".equals(System.getenv("CI"))) {
      fail(message);
    }
    System.err.println("SKIPPED: " + message);
    Assumptions.assumeTrue(false, message);
  }

  private static Boolean torchImports;

  private static synchronized boolean imports(String module) {
    if (torchImports == null) {
      try {
        var p =
            new ProcessBuilder(PYTHON, "-c", "import " + module).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        torchImports = p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
      } catch (IOException e) {
        torchImports = false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        torchImports = false;
      }
    }
    return torchImports;
  }
}
