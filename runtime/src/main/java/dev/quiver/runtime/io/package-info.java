/**
 * Saving and loading named tensors as Arrow IPC files that other Arrow implementations (pyarrow,
 * Arrow JS, arrow-rs) read: one column per tensor, typed as the canonical extension type {@code
 * arrow.fixed_shape_tensor}. Start at {@link dev.quiver.runtime.io.TensorFile}.
 */
package dev.quiver.runtime.io;
