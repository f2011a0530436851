package dev.quiver.runtime.testing;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.backend.Backend;
import dev.quiver.runtime.backend.Backends;
import dev.quiver.runtime.backend.ConvGeometry;
import dev.quiver.runtime.backend.ElementwiseProgram;
import dev.quiver.runtime.backend.GemmConvolution;
import dev.quiver.runtime.backend.PoolGeometry;
import dev.quiver.runtime.backend.ReduceOp;
import dev.quiver.runtime.backend.View;
import dev.quiver.runtime.math.ElementwiseMath.BinaryOp;
import dev.quiver.runtime.math.ElementwiseMath.UnaryOp;
import dev.quiver.runtime.memory.HostStorage;
import dev.quiver.runtime.memory.MemoryScope;
import dev.quiver.runtime.memory.Storage;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;

/**
 * A backend for tests that behaves like a separate device without needing one: its tensors live in
 * {@link SimulatedStorage}, and each kernel computes by making host views over that private memory
 * and handing them to the CPU backend. The results are the CPU's to the bit, so a test run with
 * this as the default device checks the device plumbing (allocation on the operands' device,
 * mixed-device errors, reading values back through the backend), not arithmetic.
 */
public final class SimulatedBackend implements Backend {
  private final Device device;
  private final Backend cpu = Backends.cpu();

  /**
   * Live allocations, for {@link #bytesInUse()}; an entry dies with its memory (released or
   * collected).
   */
  private final List<Allocation> allocations = new ArrayList<>();

  private long allocationsSincePurge;

  private record Allocation(long bytes, WeakReference<HostStorage> memory) {
    boolean live() {
      HostStorage h = memory.get();
      return h != null && !h.isReleased();
    }
  }

  public SimulatedBackend(Device device) {
    this.device = device;
  }

  @Override
  public Device device() {
    return device;
  }

  /** Bytes held by this device's tensors that are neither released nor collected. */
  public synchronized long bytesInUse() {
    allocations.removeIf(a -> !a.live());
    long sum = 0;
    for (Allocation a : allocations) {
      sum += a.bytes();
    }
    return sum;
  }

  @Override
  public Storage allocate(long bytes, MemoryScope owner) {
    HostStorage host = HostStorage.allocate(bytes, owner);
    synchronized (this) {
      allocations.add(new Allocation(bytes, new WeakReference<>(host)));
      // Dead entries are dropped now and then, so a long training run does not grow this list.
      if (++allocationsSincePurge >= 4096) {
        allocationsSincePurge = 0;
        allocations.removeIf(a -> !a.live());
      }
    }
    return new SimulatedStorage(host, device);
  }

  /** The host view of a view of this device; a view of any other device is a bug in the caller. */
  private View h(View t) {
    if (t.storage() instanceof SimulatedStorage s && s.device().equals(device)) {
      return new View(s.host(), t.dtype(), t.shape(), t.strides(), t.offset());
    }
    throw new IllegalArgumentException(
        "simulated backend " + device + ": given a tensor on " + t.device());
  }

  private View[] h(View[] ts) {
    View[] out = new View[ts.length];
    for (int i = 0; i < ts.length; i++) {
      out[i] = h(ts[i]);
    }
    return out;
  }

  @Override
  public void fill(View out, double value) {
    cpu.fill(h(out), value);
  }

  @Override
  public void copy(View src, View out) {
    cpu.copy(h(src), h(out));
  }

  @Override
  public void unary(UnaryOp op, View x, View out) {
    cpu.unary(op, h(x), h(out));
  }

  @Override
  public void binary(BinaryOp op, View a, View b, View out) {
    cpu.binary(op, h(a), h(b), h(out));
  }

  @Override
  public void where(View cond, View a, View b, View out) {
    cpu.where(h(cond), h(a), h(b), h(out));
  }

  @Override
  public void reduce(ReduceOp op, View x, View out) {
    cpu.reduce(op, h(x), h(out));
  }

  @Override
  public void argReduce(View x, int axis, boolean max, View out) {
    cpu.argReduce(h(x), axis, max, h(out));
  }

  @Override
  public void matmul(View a, View b, View out) {
    cpu.matmul(h(a), h(b), h(out));
  }

  @Override
  public void gather(View x, int axis, View index, View out) {
    cpu.gather(h(x), axis, h(index), h(out));
  }

  @Override
  public void scatterAdd(View out, int axis, View index, View src) {
    cpu.scatterAdd(h(out), axis, h(index), h(src));
  }

  @Override
  public void conv2d(View x, View w, View out, ConvGeometry g) {
    GemmConvolution.forward(this, x, w, out, g);
  }

  @Override
  public void conv2dBackwardInput(View gOut, View w, View gx, ConvGeometry g) {
    GemmConvolution.backwardInput(this, gOut, w, gx, g);
  }

  @Override
  public void conv2dBackwardWeight(View x, View gOut, View gw, ConvGeometry g) {
    GemmConvolution.backwardWeight(this, x, gOut, gw, g);
  }

  @Override
  public void im2col(View x, View cols, ConvGeometry g) {
    cpu.im2col(h(x), h(cols), g);
  }

  @Override
  public void col2im(View cols, View x, ConvGeometry g) {
    cpu.col2im(h(cols), h(x), g);
  }

  @Override
  public void maxPool2d(View x, View out, View argmax, PoolGeometry p) {
    cpu.maxPool2d(h(x), h(out), h(argmax), p);
  }

  @Override
  public void maxPool2dBackward(View gOut, View argmax, View gx, PoolGeometry p) {
    cpu.maxPool2dBackward(h(gOut), h(argmax), h(gx), p);
  }

  @Override
  public void avgPool2d(View x, View out, PoolGeometry p) {
    cpu.avgPool2d(h(x), h(out), p);
  }

  @Override
  public void avgPool2dBackward(View gOut, View gx, PoolGeometry p) {
    cpu.avgPool2dBackward(h(gOut), h(gx), p);
  }

  @Override
  public boolean batchNorm(
      View x, View mean, View var, View weight, View bias, View y, double eps, boolean stats) {
    return cpu.batchNorm(h(x), h(mean), h(var), hn(weight), hn(bias), h(y), eps, stats);
  }

  @Override
  public boolean batchNormBackward(
      View x, View dy, View mean, View var, View weight, View[] grads, double eps, boolean stats) {
    View[] g = {hn(grads[0]), hn(grads[1]), hn(grads[2])};
    return cpu.batchNormBackward(h(x), h(dy), h(mean), h(var), hn(weight), g, eps, stats);
  }

  private View hn(View v) {
    return v == null ? null : h(v);
  }

  @Override
  public boolean logSoftmaxLastAxis(View x, View out) {
    return cpu.logSoftmaxLastAxis(h(x), h(out));
  }

  @Override
  public boolean lstmCell(
      View xw, View hh, View hPrev, View cPrev, View mask, View gates, View h, View c) {
    return cpu.lstmCell(
        h(xw), h(hh), h(hPrev), h(cPrev), mask == null ? null : h(mask), h(gates), h(h), h(c));
  }

  @Override
  public boolean lstmCellBackward(
      View gates, View cPrev, View mask, View gH, View gC, View dh, View dc, View dz) {
    return cpu.lstmCellBackward(
        h(gates), h(cPrev), mask == null ? null : h(mask), h(gH), h(gC), h(dh), h(dc), h(dz));
  }

  @Override
  public boolean fused(ElementwiseProgram program, View[] inputs, View out) {
    return cpu.fused(program, h(inputs), h(out));
  }

  @Override
  public View toHost(View x) {
    View out =
        View.contiguous(
            cpu.allocate(x.numel() * x.dtype().byteSize(), MemoryScope.current()),
            x.dtype(),
            x.shape());
    cpu.copy(h(x), out);
    return out;
  }

  @Override
  public View fromHost(View host) {
    if (!host.device().equals(Device.CPU)) {
      throw new IllegalArgumentException(
          "fromHost: the tensor is on " + host.device() + ", not the host");
    }
    View out =
        View.contiguous(
            allocate(host.numel() * host.dtype().byteSize(), MemoryScope.current()),
            host.dtype(),
            host.shape());
    cpu.copy(host, h(out));
    return out;
  }

  @Override
  public double get(View x, long flatIndex) {
    return cpu.get(h(x), flatIndex);
  }

  @Override
  public void set(View x, long flatIndex, double value) {
    cpu.set(h(x), flatIndex, value);
  }

  @Override
  public DType resultType(BinaryOp op, DType in) {
    return cpu.resultType(op, in);
  }
}
