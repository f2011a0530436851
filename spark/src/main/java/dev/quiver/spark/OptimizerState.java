package dev.quiver.spark;

import dev.quiver.dsl.optim.Optimizer;
import dev.quiver.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * An optimizer's per-parameter state tensors in a fixed order: parameter by parameter, slot by
 * slot.
 */
final class OptimizerState {
  private OptimizerState() {}

  static List<Tensor> slots(Optimizer opt, List<Tensor> params) {
    var all = new ArrayList<Tensor>();
    for (Tensor p : params) {
      all.addAll(opt.state(p));
    }
    return all;
  }
}
