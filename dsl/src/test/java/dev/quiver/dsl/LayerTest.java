package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.layers.Dropout;
import dev.quiver.dsl.layers.Flatten;
import dev.quiver.dsl.layers.GELU;
import dev.quiver.dsl.layers.Init;
import dev.quiver.dsl.layers.LeakyReLU;
import dev.quiver.dsl.layers.ReLU;
import dev.quiver.dsl.layers.Sigmoid;
import dev.quiver.dsl.layers.Softmax;
import dev.quiver.dsl.layers.Tanh;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.GradCheck;
import org.junit.jupiter.api.Test;

class LayerTest {

  @Test
  void denseGradientsPassTheChecker() {
    var dense = Dense.of(3).seed(1).input(4);
    Tensor x = Tensor.randn(new long[] {5, 4}, 2);
    GradCheck.assertGradients(
        in -> {
          dense.weight().set(in[1]);
          dense.bias().set(in[2]);
          return dense.apply(in[0]);
        },
        x,
        dense.weight().value(),
        dense.bias().value());
  }

  @Test
  void activationGradientsPassTheChecker() {
    Tensor x = Tensor.randn(new long[] {3, 4}, 5);
    for (Module a :
        new Module[] {
          new ReLU(), new LeakyReLU(0.1), new Sigmoid(), new Tanh(), new Softmax(), new GELU()
        }) {
      GradCheck.assertGradients(in -> a.apply(in[0]), x);
    }
  }

  @Test
  void activationsComputeTheirFormulas() {
    Tensor x = Tensor.of(new float[] {-2, 0.5f}, 1, 2);
    assertArrayEquals(new float[] {-0.2f, 0.5f}, new LeakyReLU(0.1).apply(x).toFloatArray(), 1e-6f);
    // GELU(0.5) = 0.5·0.5·(1 + tanh(sqrt(2/pi)·(0.5 + 0.044715·0.125))) = 0.345714
    assertEquals(0.345714, new GELU().apply(x).get(0, 1), 1e-5);
    float[] s = new Softmax().apply(x).toFloatArray();
    assertEquals(1, s[0] + s[1], 1e-6);
  }

  @Test
  void dropoutScalesKeptUnitsAndIsIdentityInEval() {
    var d = Dropout.of(0.5);
    d.seed(3);
    Tensor x = Tensor.ones(200, 50);
    float[] y = d.apply(x).toFloatArray();
    int kept = 0;
    for (float v : y) {
      assertTrue(v == 0 || Math.abs(v - 2) < 1e-6, "kept units are scaled by 1/(1-p): " + v);
      kept += v == 0 ? 0 : 1;
    }
    assertEquals(0.5, kept / 10000.0, 0.03);
    d.eval();
    assertArrayEquals(x.toFloatArray(), d.apply(x).toFloatArray());
  }

  @Test
  void flattenKeepsTheBatchAxis() {
    var f = Flatten.of();
    assertArrayEquals(new long[] {2, 12}, f.apply(Tensor.zeros(2, 3, 4)).shape());
    assertArrayEquals(new long[] {12}, f.outputShape());
  }

  @Test
  void wrongInputWidthNamesTheLayerAndBothSizes() {
    var model = Sequential.of(Dense.of(10).relu(), Dense.of(3)).input(4);
    var e = assertThrows(IllegalArgumentException.class, () -> model.predict(Tensor.zeros(2, 5)));
    assertEquals(
        "dense (Dense): expects inputs of width 4, got shape [2,5] (width 5)", e.getMessage());
  }

  @Test
  void initializersHaveTheirVariances() {
    double he = variance(Init.he().create(new long[] {200, 100}, 200, 100, 1));
    assertEquals(2.0 / 200, he, 0.1 * 2.0 / 200);
    double xavier = variance(Init.xavier().create(new long[] {200, 100}, 200, 100, 1));
    assertEquals(2.0 / 300, xavier, 0.1 * 2.0 / 300); // U(-a, a) has variance a^2/3 = 2/(in+out)
    assertEquals(0, Init.zeros().create(new long[] {3}, 1, 1, 1).abs().sum().item());
    // Same seed, same values: on every machine.
    assertArrayEquals(
        Init.he().create(new long[] {4}, 2, 2, 9).toFloatArray(),
        Init.he().create(new long[] {4}, 2, 2, 9).toFloatArray());
  }

  @Test
  void seededModelsAreReproducible() {
    var a = Sequential.of(Dense.of(5).relu(), Dense.of(2)).seed(11).input(3);
    var b = Sequential.of(Dense.of(5).relu(), Dense.of(2)).seed(11).input(3);
    Tensor x = Tensor.randn(new long[] {4, 3}, 1);
    assertArrayEquals(a.predict(x).toFloatArray(), b.predict(x).toFloatArray());
  }

  @Test
  void parametersAreFoundWithDottedNames() {
    var model =
        Sequential.of(Dense.of(10).relu(), Dense.of(8).relu(), Dense.of(3).softmax()).input(4);
    assertEquals(
        java.util.List.of(
            "dense.weight",
            "dense.bias",
            "dense_1.weight",
            "dense_1.bias",
            "dense_2.weight",
            "dense_2.bias"),
        java.util.List.copyOf(model.namedParams().keySet()));
    assertEquals(50 + 88 + 27, model.countParams());
  }

  private static double variance(Tensor t) {
    float[] v = t.toFloatArray();
    double m = 0, s = 0;
    for (float f : v) {
      m += f;
    }
    m /= v.length;
    for (float f : v) {
      s += (f - m) * (f - m);
    }
    return s / v.length;
  }
}
