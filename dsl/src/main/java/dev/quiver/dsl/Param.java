package dev.quiver.dsl;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.backend.Devices;
import java.util.Arrays;

/**
 * A trainable tensor held by a layer. Layers keep parameters in this holder rather than in a bare
 * {@link Tensor} field so that the value can be swapped (a dtype change, loaded weights, a gradient
 * check in float64) without the layer noticing.
 *
 * <p>Parameter memory is owned by the garbage collector, never by the {@code MemoryScope} that
 * happens to be open when a lazy layer builds itself: a training step's scope must not free the
 * weights it trains.
 */
public final class Param {
  private Tensor value;
  // Set when the parameter is a user's plain Tensor field: reads and writes go through the field.
  private final Object owner;
  private final java.lang.reflect.Field field;

  private Param(Tensor value) {
    this.value = value;
    this.owner = null;
    this.field = null;
  }

  private Param(Object owner, java.lang.reflect.Field field) {
    this.owner = owner;
    this.field = field;
  }

  /** A view of a user's {@code Tensor} field (free-form modules declare parameters that way). */
  static Param ofField(Object owner, java.lang.reflect.Field field) {
    return new Param(owner, field);
  }

  /** A parameter holding a persistent copy of {@code initial}, marked as requiring grad. */
  public static Param of(Tensor initial) {
    return new Param(persistent(initial).requiresGrad());
  }

  public Tensor value() {
    if (field == null) {
      return value;
    }
    try {
      return (Tensor) field.get(owner);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot read parameter field " + field.getName(), e);
    }
  }

  /** Replaces the value (same shape); the new tensor is used as it is, gradient flag included. */
  public void set(Tensor v) {
    Tensor old = value();
    if (!Arrays.equals(v.shape(), old.shape())) {
      throw new IllegalArgumentException(
          "Param.set: new value has shape "
              + v.shapeString()
              + ", the parameter has "
              + old.shapeString());
    }
    if (field == null) {
      value = v;
      return;
    }
    try {
      field.set(owner, v);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot write parameter field " + field.getName(), e);
    }
  }

  public long[] shape() {
    return value().shape();
  }

  public long numel() {
    return value().numel();
  }

  /**
   * A copy of {@code t} in garbage-collected memory, whatever scope is open: parameters outlive
   * steps.
   */
  public static Tensor persistent(Tensor t) {
    Tensor copy = Tensor.empty(t.device(), t.dtype(), t.shape(), null);
    try (var ignored = dev.quiver.runtime.autograd.Autograd.noGrad()) {
      copy.copyFrom(t);
    }
    return copy;
  }

  /** Zeros on the default device in garbage-collected memory. */
  public static Tensor persistentZeros(DType dtype, long[] shape) {
    return persistentZeros(Devices.getDefault(), dtype, shape);
  }

  /**
   * Zeros on {@code device} in garbage-collected memory (optimizer state, next to its parameter).
   */
  public static Tensor persistentZeros(Device device, DType dtype, long[] shape) {
    Tensor t = Tensor.empty(device, dtype, shape, null);
    try (var ignored = dev.quiver.runtime.autograd.Autograd.noGrad()) {
      t.fillInPlace(0);
    }
    return t;
  }
}
