package dev.quiver.runtime.testing;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.backend.Backend;
import dev.quiver.runtime.backend.Backends;
import dev.quiver.runtime.backend.BinaryOp;
import dev.quiver.runtime.backend.ElementwiseProgram;
import dev.quiver.runtime.backend.ReduceOp;
import dev.quiver.runtime.backend.UnaryOp;
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

  /** Live allocations, for {@link #bytesInUse()}; an entry dies with its memory (released or collected). */
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

  /** The host view of a tensor of this device; a tensor of any other device is a bug in the caller. */
  private Tensor h(Tensor t) {
    if (t.storage() instanceof SimulatedStorage s && s.device().equals(device)) {
      return new Tensor(s.host(), t.dtype(), t.shape(), t.strides(), t.offset());
    }
    throw new IllegalArgumentException("simulated backend " + device + ": given a tensor on " + t.device());
  }

  private Tensor[] h(Tensor[] ts) {
    Tensor[] out = new Tensor[ts.length];
    for (int i = 0; i < ts.length; i++) {
      out[i] = h(ts[i]);
    }
    return out;
  }

  @Override
  public void fill(Tensor out, double value) {
    cpu.fill(h(out), value);
  }

  @Override
  public void copy(Tensor src, Tensor out) {
    cpu.copy(h(src), h(out));
  }

  @Override
  public void unary(UnaryOp op, Tensor x, Tensor out) {
    cpu.unary(op, h(x), h(out));
  }

  @Override
  public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
    cpu.binary(op, h(a), h(b), h(out));
  }

  @Override
  public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
    cpu.where(h(cond), h(a), h(b), h(out));
  }

  @Override
  public void reduce(ReduceOp op, Tensor x, Tensor out) {
    cpu.reduce(op, h(x), h(out));
  }

  @Override
  public void argReduce(Tensor x, int axis, boolean max, Tensor out) {
    cpu.argReduce(h(x), axis, max, h(out));
  }

  @Override
  public void matmul(Tensor a, Tensor b, Tensor out) {
    cpu.matmul(h(a), h(b), h(out));
  }

  @Override
  public void gather(Tensor x, int axis, Tensor index, Tensor out) {
    cpu.gather(h(x), axis, h(index), h(out));
  }

  @Override
  public void scatterAdd(Tensor out, int axis, Tensor index, Tensor src) {
    cpu.scatterAdd(h(out), axis, h(index), h(src));
  }

  @Override
  public boolean logSoftmaxLastAxis(Tensor x, Tensor out) {
    return cpu.logSoftmaxLastAxis(h(x), h(out));
  }

  @Override
  public boolean fused(ElementwiseProgram program, Tensor[] inputs, Tensor out) {
    return cpu.fused(program, h(inputs), h(out));
  }

  @Override
  public Tensor toHost(Tensor x) {
    Tensor out = Tensor.empty(Device.CPU, x.dtype(), x.shape());
    cpu.copy(h(x), out);
    return out;
  }

  @Override
  public Tensor fromHost(Tensor host) {
    if (!host.device().equals(Device.CPU)) {
      throw new IllegalArgumentException("fromHost: the tensor is on " + host.device() + ", not the host");
    }
    Tensor out = Tensor.empty(device, host.dtype(), host.shape());
    cpu.copy(host, h(out));
    return out;
  }

  @Override
  public double get(Tensor x, long flatIndex) {
    return cpu.get(h(x), flatIndex);
  }

  @Override
  public void set(Tensor x, long flatIndex, double value) {
    cpu.set(h(x), flatIndex, value);
  }

  @Override
  public DType resultType(BinaryOp op, DType in) {
    return cpu.resultType(op, in);
  }
}
