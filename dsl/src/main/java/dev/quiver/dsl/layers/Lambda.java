package dev.quiver.dsl.layers;

import dev.quiver.dsl.Module;
import dev.quiver.runtime.Tensor;
import java.util.function.UnaryOperator;

/**
 * Raw tensor ops as a layer: {@code Lambda.of("double", x -> x.mul(2))}. It has no parameters; for
 * a function with parameters, subclass {@link Module}.
 */
public final class Lambda extends Module {
  private final UnaryOperator<Tensor> fn;

  private Lambda(UnaryOperator<Tensor> fn) {
    this.fn = fn;
  }

  public static Lambda of(UnaryOperator<Tensor> fn) {
    return new Lambda(fn);
  }

  public static Lambda of(String name, UnaryOperator<Tensor> fn) {
    var l = new Lambda(fn);
    l.named(name);
    return l;
  }

  @Override
  protected Tensor forward(Tensor x) {
    return fn.apply(x);
  }
}
