package dev.quiver.runtime;

/** How {@link Tensor#pad} fills the border, as torch.nn.functional.pad's modes. */
public enum PadMode {
  /** A constant value (0 unless given). */
  CONSTANT,
  /** The input mirrored at its edge, the edge itself not repeated: {@code [2 1 | 0 1 2 | 1 0]}. */
  REFLECT,
  /** The edge value repeated: {@code [0 0 | 0 1 2 | 2 2]}. */
  REPLICATE,
  /** The input wrapped around: {@code [1 2 | 0 1 2 | 0 1]}. */
  CIRCULAR
}
