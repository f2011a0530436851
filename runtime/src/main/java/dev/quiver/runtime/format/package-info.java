/**
 * Text and HTML forms of tensors, in PyTorch's look, independent of the tensor class: the input is
 * a shape and a function from a row-major index to an element.
 *
 * <pre>{@code
 * var elements = new TensorElements(new long[] {2, 2}, i -> data[(int) i], false, "float32");
 * TensorFormat.toText(elements);
 * // tensor([[ 1.0000, -2.5000],
 * //         [ 3.0000,  4.0000]])
 * }</pre>
 */
package dev.quiver.runtime.format;
