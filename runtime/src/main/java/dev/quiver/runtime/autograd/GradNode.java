package dev.quiver.runtime.autograd;

import dev.quiver.runtime.Tensor;

/**
 * One recorded op in the autodiff graph: which inputs it read and how to send a gradient back to
 * them.
 *
 * @param op the op's name, for error messages and graph printing
 * @param inputs the op's tensor inputs, in the order {@code backward} answers for them
 * @param backward the op's backward rule
 */
public record GradNode(String op, Tensor[] inputs, Backward backward) {}
