package dev.quiver.dsl.optim;

import dev.quiver.dsl.Param;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Updates parameters from their gradients. Configure fluently, then attach parameters, which are
 * tensors and never modules (the trainer attaches {@code model.parameters()} for {@code fit}), or
 * use it by hand as in PyTorch:
 *
 * <pre>{@code
 * var opt = SGD.lr(0.1).momentum(0.9).on(w, b);      // or .on(model.parameters())
 * for (int i = 0; i < 100; i++) {
 *   opt.zeroGrad();
 *   loss(w, b).backward();
 *   opt.step();
 * }
 * }</pre>
 *
 * Updates happen in place under {@link Autograd#noGrad()}; per-parameter state (momentum, running
 * averages) lives in garbage-collected memory next to the parameters, never in a step's memory
 * scope.
 */
public abstract class Optimizer implements Serializable {
  private static final long serialVersionUID = 1L;

  private final double baseLr;
  private Schedule schedule;
  private double clipNorm = Double.NaN;
  private double clipValue = Double.NaN;
  // The attached parameters and their state are tensors of this process: a serialized optimizer
  // (as distributed training sends one to other machines) carries its configuration only.
  private transient List<Tensor> params = new ArrayList<>();
  private transient Map<Tensor, Tensor[]> state = new IdentityHashMap<>();
  private long steps;
  private int epoch;
  private boolean fusedAllowed = true;

  protected Optimizer(double lr) {
    if (!(lr > 0) || Double.isInfinite(lr)) {
      throw new IllegalArgumentException(
          getClass().getSimpleName() + ": learning rate must be positive, got " + lr);
    }
    this.baseLr = lr;
  }

  /** Attaches these parameters (replacing any attached before); returns this. */
  public Optimizer on(Tensor... ps) {
    return on(List.of(ps));
  }

  public Optimizer on(List<Tensor> ps) {
    if (!sameTensors(params, ps)) {
      // Other parameters (another model, or a Fit reused for a fresh one): the step count,
      // schedule position and moments belonged to the old ones. Re-attaching the same
      // parameters, as a second fit of the same model does, continues where it stopped.
      state.clear();
      steps = 0;
      epoch = 0;
    }
    params.clear();
    for (Tensor p : ps) {
      if (!p.isGradRequired()) {
        throw new IllegalArgumentException(
            getClass().getSimpleName()
                + ": a parameter of shape "
                + p.shapeString()
                + " does not require grad; call requiresGrad() on it");
      }
      params.add(p);
    }
    return this;
  }

  private static boolean sameTensors(List<Tensor> a, List<Tensor> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i) != b.get(i)) {
        return false;
      }
    }
    return true;
  }

  /** Changes the learning rate over epochs (see {@link #nextEpoch()}); returns this. */
  public Optimizer schedule(Schedule s) {
    this.schedule = s;
    return this;
  }

  /** Rescales all gradients together when their joint L2 norm exceeds {@code max}. */
  public Optimizer clipNorm(double max) {
    if (!(max > 0)) {
      throw new IllegalArgumentException("clipNorm: the maximum norm must be positive, got " + max);
    }
    this.clipNorm = max;
    return this;
  }

  /** Limits every gradient element to [-max, max]. */
  public Optimizer clipValue(double max) {
    if (!(max > 0)) {
      throw new IllegalArgumentException("clipValue: the limit must be positive, got " + max);
    }
    this.clipValue = max;
    return this;
  }

  /**
   * Always updates with tensor ops, never with the backend's single-pass step: the general path
   * that any device without such a step takes. For comparing the two, and for reading the rule as
   * ops.
   */
  public Optimizer unfused() {
    this.fusedAllowed = false;
    return this;
  }

  /**
   * Whether this update may take the backend's single-pass step ({@code OptimizerSteps}); false
   * after {@link #unfused()}.
   */
  protected boolean fusedAllowed() {
    return fusedAllowed;
  }

  public List<Tensor> params() {
    return List.copyOf(params);
  }

  /** Number of {@link #step()} calls so far (Adam's t). */
  public long steps() {
    return steps;
  }

  /** The learning rate the next step uses. */
  public double lr() {
    return schedule == null ? baseLr : schedule.at(baseLr, epoch);
  }

  public double baseLr() {
    return baseLr;
  }

  /** Advances the schedule by an epoch; the trainer calls it after each epoch. */
  public void nextEpoch() {
    epoch++;
  }

  public int epoch() {
    return epoch;
  }

  public void zeroGrad() {
    for (Tensor p : params) {
      p.zeroGrad();
    }
  }

  /** One update of every attached parameter that has a gradient. */
  public void step() {
    if (params.isEmpty()) {
      throw new IllegalStateException(
          getClass().getSimpleName()
              + ".step: no parameters attached; call "
              + "on(model.parameters()) or on(w, b) first");
    }
    try (var ignored = Autograd.noGrad()) {
      clip();
      steps++;
      double lr = lr();
      for (Tensor p : params) {
        Tensor g = p.grad();
        if (g != null) {
          update(p, g, state.computeIfAbsent(p, k -> newState(k)), lr, steps);
        }
      }
    }
  }

  private void clip() {
    if (!Double.isNaN(clipValue)) {
      for (Tensor p : params) {
        if (p.grad() != null) {
          p.grad().copyFrom(p.grad().clamp(-clipValue, clipValue));
        }
      }
    }
    if (!Double.isNaN(clipNorm)) {
      double sq = 0;
      for (Tensor p : params) {
        if (p.grad() != null) {
          sq += p.grad().square().sum().item();
        }
      }
      double norm = Math.sqrt(sq);
      if (norm > clipNorm) {
        for (Tensor p : params) {
          if (p.grad() != null) {
            p.grad().mulInPlace(clipNorm / norm);
          }
        }
      }
    }
  }

  private Tensor[] newState(Tensor p) {
    int n = stateSlots();
    Tensor[] s = new Tensor[n];
    for (int i = 0; i < n; i++) {
      s[i] = Param.persistentZeros(p.device(), p.dtype(), p.shape());
    }
    return s;
  }

  /**
   * The rule's state for attached parameter {@code p} (Adam: its first and second moments; plain
   * SGD: none), created as zeros when {@code p} has had no step yet. The tensors are the live
   * state: writing into them changes the next step. Distributed training reads and writes them to
   * average or restore the state of replicas.
   */
  public List<Tensor> state(Tensor p) {
    if (!params.contains(p)) {
      throw new IllegalArgumentException(
          getClass().getSimpleName()
              + ".state: the tensor of shape "
              + p.shapeString()
              + " is not one of the "
              + params.size()
              + " attached parameters");
    }
    return List.of(state.computeIfAbsent(p, k -> newState(k)));
  }

  /**
   * Continues from {@code steps} updates and {@code epoch} epochs (Adam's bias corrections and the
   * schedule depend on them), as when the rule's state was restored through {@link #state}.
   */
  public void resume(long steps, int epoch) {
    if (steps < 0 || epoch < 0) {
      throw new IllegalArgumentException(
          getClass().getSimpleName()
              + ".resume: steps and epoch must be non-negative, got "
              + steps
              + " and "
              + epoch);
    }
    this.steps = steps;
    this.epoch = epoch;
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    params = new ArrayList<>();
    state = new IdentityHashMap<>();
    steps = 0;
    epoch = 0;
  }

  /** How many tensors of the parameter's shape this rule keeps per parameter. */
  protected abstract int stateSlots();

  /**
   * Writes the new value into {@code p}, in place, with no graph recorded. t counts steps from 1.
   */
  protected abstract void update(Tensor p, Tensor g, Tensor[] state, double lr, long t);
}
