package dev.quiver.runtime;

import java.lang.foreign.ValueLayout;

/**
 * Element types. float32 is the working type; float64 exists for gradient checks; int32 for indices
 * and labels.
 */
public enum DType {
  FLOAT32(4, ValueLayout.JAVA_FLOAT),
  FLOAT64(8, ValueLayout.JAVA_DOUBLE),
  INT32(4, ValueLayout.JAVA_INT);

  private final int byteSize;
  private final ValueLayout layout;

  DType(int byteSize, ValueLayout layout) {
    this.byteSize = byteSize;
    this.layout = layout;
  }

  public int byteSize() {
    return byteSize;
  }

  public ValueLayout layout() {
    return layout;
  }

  public boolean isFloating() {
    return this != INT32;
  }

  @Override
  public String toString() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
