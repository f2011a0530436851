package dev.quiver.dsl.layers;

import dev.quiver.dsl.Module;
import dev.quiver.runtime.Tensor;

/** [batch, d1, d2, ...] -> [batch, d1·d2·...]. */
public final class Flatten extends Module {
  public static Flatten of() {
    return new Flatten();
  }

  @Override
  protected long[] onBuild(long[] sampleShape) {
    long n = 1;
    for (long s : sampleShape) {
      n *= s;
    }
    return new long[] {n};
  }

  @Override
  protected Tensor forward(Tensor x) {
    return x.reshape(x.size(0), -1);
  }
}
