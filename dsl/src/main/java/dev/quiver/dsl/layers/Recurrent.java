package dev.quiver.dsl.layers;

import dev.quiver.dsl.Module;
import dev.quiver.dsl.Param;
import dev.quiver.runtime.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What the recurrent layers ({@link RNN}, {@link LSTM}, {@link GRU}) share: stacked layers, two
 * directions, the batch-first or time-first layout, dropout between layers, an initial state, masks
 * for padded batches, and the loop over time. Each subclass says only what one step of its cell
 * computes. Backpropagation through time is the autodiff of that loop.
 *
 * <p>Weights are named and shaped as torch's {@code nn.RNN}/{@code nn.LSTM}/{@code nn.GRU}, so they
 * map one to one: for layer k, {@code weight_ih_lk} [G·hidden, input] (the input of layer 0, else
 * directions·hidden), {@code weight_hh_lk} [G·hidden, hidden], {@code bias_ih_lk} and {@code
 * bias_hh_lk} [G·hidden], and the same with {@code _reverse} for the backward direction; G is 1
 * (RNN), 4 (LSTM: gates i, f, g, o) or 3 (GRU: gates r, z, n), stacked in that order. All start
 * U(-1/√hidden, 1/√hidden), as in torch.
 *
 * <p>Layout: batch-first by default, x [batch, seq, input] -&gt; [batch, seq, directions·hidden]
 * (Keras', and torch's {@code batch_first=True}); {@link #timeFirst()} takes [seq, batch, input] as
 * torch does by default. {@link #lastState()} returns the last layer's final hidden state instead,
 * [batch, directions·hidden] (forward, then backward). {@link #run} gives both, with the final
 * state of every layer in torch's layout {@code h_n} [layers·directions, batch, hidden].
 *
 * <p>Padded batches: a mask [batch, seq] (1 for real steps, 0 for padding; or int32 lengths
 * [batch]) keeps the state unchanged through padded steps and zeroes their outputs, so padding
 * changes neither the final state nor, with a masked loss, the loss: {@code h_t = m_t·cell(x_t,
 * h_{t-1}) + (1 - m_t)·h_{t-1}}. For a right-padded batch the backward direction then starts at
 * each sequence's own last step, as torch's packed sequences do.
 *
 * @param <S> the layer's own type, so that the fluent settings return it
 */
public abstract class Recurrent<S extends Recurrent<S>> extends Module {
  /** The state a recurrent layer carries: {@code h}, and {@code c} for an LSTM (else null). */
  public record State(Tensor h, Tensor c) {}

  /**
   * What {@link #run} computes: the top layer's outputs at every step [batch, seq,
   * directions·hidden] (time-first: [seq, batch, ...]), and the final state of every layer and
   * direction, [layers·directions, batch, hidden] as torch's {@code h_n} and {@code c_n}.
   */
  public record Output(Tensor sequence, State last) {}

  final long hidden;
  int layers = 1;
  boolean bidirectional;
  boolean batchFirst = true;
  double dropout;
  boolean lastState;
  boolean bias = true;
  private long inputSize;
  // torch's names in torch's order: weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ...
  private final Map<String, Param> weights = new LinkedHashMap<>();

  Recurrent(String kind, long hidden) {
    if (hidden <= 0) {
      throw new IllegalArgumentException(kind + ": hidden size must be positive, got " + hidden);
    }
    this.hidden = hidden;
  }

  /** Gates per cell: the G of the weight shapes (1, 4 or 3). */
  protected abstract int gates();

  /** Whether the cell carries a second state {@code c} beside {@code h} (the LSTM's cell). */
  protected boolean hasCellState() {
    return false;
  }

  /**
   * Whether {@code b_hh} may be added to the input projection once, outside the loop (true when the
   * cell adds it to {@code h·W_hhᵀ} unchanged, as RNN and LSTM do; GRU multiplies part of it by the
   * reset gate).
   */
  protected boolean foldsRecurrentBias() {
    return true;
  }

  /**
   * One step of the cell: {@code xw} is {@code x_t·W_ihᵀ + b_ih} (plus {@code b_hh} when {@link
   * #foldsRecurrentBias()}), [batch, G·hidden]; {@code whhT} is {@code W_hhᵀ} [hidden, G·hidden];
   * {@code bhh} is null when folded.
   */
  protected abstract State cell(Tensor xw, State prev, Tensor whhT, Tensor bhh);

  /**
   * The whole direction in one fused op, when the cell has one and the device's backend a kernel
   * for it: {@code xw} [batch, seq, G·hidden] as {@link #cell}'s for every step, {@code whh}
   * [G·hidden, hidden]. Null (the default) composes the steps from {@link #cell}.
   */
  protected Output fused(Tensor xw, Tensor whh, State s, Tensor mask, boolean reverse) {
    return null;
  }

  @SuppressWarnings("unchecked") // S is this layer's own type, by the contract of the parameter
  private S self() {
    return (S) this;
  }

  // ---------------------------------------------------------------- settings

  /** Stacks {@code n} layers, each fed the outputs of the one below (torch's num_layers). */
  public S layers(int n) {
    checkNotBuilt("layers");
    if (n < 1) {
      throw new IllegalArgumentException(describe() + ": layers must be at least 1, got " + n);
    }
    layers = n;
    return self();
  }

  /** A second direction per layer, reading the sequence backwards; outputs are concatenated. */
  public S bidirectional() {
    checkNotBuilt("bidirectional");
    bidirectional = true;
    return self();
  }

  /** Inputs and outputs [seq, batch, features], torch's default layout. */
  public S timeFirst() {
    checkNotBuilt("timeFirst");
    batchFirst = false;
    return self();
  }

  /** Dropout with rate {@code p} on the outputs of every layer but the last, in training. */
  public S dropout(double p) {
    checkNotBuilt("dropout");
    if (!(p >= 0 && p < 1)) {
      throw new IllegalArgumentException(describe() + ": dropout must be in [0, 1), got " + p);
    }
    dropout = p;
    return self();
  }

  /** Returns the last layer's final hidden state [batch, directions·hidden], not the sequence. */
  public S lastState() {
    checkNotBuilt("lastState");
    lastState = true;
    return self();
  }

  /** No biases (torch's bias=False). */
  public S noBias() {
    checkNotBuilt("noBias");
    bias = false;
    return self();
  }

  /** Fixes the input width; the weights are created on first need (seed may still follow). */
  public S input(long width) {
    declareInput(new long[] {1, width});
    return self();
  }

  @Override
  public S seed(long s) {
    super.seed(s);
    return self();
  }

  /** Applies a saved config's settings (for the layers' {@code Config.create}). */
  S configure(
      int layers,
      boolean bidirectional,
      boolean batchFirst,
      double dropout,
      boolean lastState,
      boolean bias) {
    layers(layers).dropout(dropout);
    if (bidirectional) {
      bidirectional();
    }
    if (!batchFirst) {
      timeFirst();
    }
    if (lastState) {
      lastState();
    }
    return bias ? self() : noBias();
  }

  void checkNotBuilt(String what) {
    if (!weights.isEmpty()) {
      throw new IllegalStateException(
          describe() + "." + what + ": the layer is already built; configure it before use");
    }
  }

  public long hiddenSize() {
    return hidden;
  }

  public int numLayers() {
    return layers;
  }

  public boolean isBidirectional() {
    return bidirectional;
  }

  public boolean isBatchFirst() {
    return batchFirst;
  }

  public double dropoutRate() {
    return dropout;
  }

  public boolean returnsLastState() {
    return lastState;
  }

  public boolean hasBias() {
    return bias;
  }

  /** The parameter of that torch name ({@code weight_ih_l0}, ...); null before the build. */
  public Param weight(String torchName) {
    isBuilt();
    Param p = weights.get(torchName);
    if (p == null && !weights.isEmpty()) {
      throw new IllegalArgumentException(
          describe() + " has no parameter " + torchName + "; it has " + weights.keySet());
    }
    return p;
  }

  private int directions() {
    return bidirectional ? 2 : 1;
  }

  // ---------------------------------------------------------------- building

  @Override
  protected long[] onBuild(long[] sampleShape) {
    if (sampleShape.length != 2) {
      throw new IllegalArgumentException(
          describe()
              + ": expects "
              + (batchFirst ? "[batch, seq, features]" : "[seq, batch, features]")
              + ", got per-sample shape "
              + Arrays.toString(sampleShape));
    }
    inputSize = sampleShape[1];
    long g = gates() * hidden;
    double bound = 1 / Math.sqrt(hidden);
    var r = new SplittableRandom(nextSeed());
    for (int l = 0; l < layers; l++) {
      long in = l == 0 ? inputSize : directions() * hidden;
      for (int d = 0; d < directions(); d++) {
        String sfx = suffix(l, d);
        weights.put("weight_ih" + sfx, uniform(r, bound, g, in));
        weights.put("weight_hh" + sfx, uniform(r, bound, g, hidden));
        if (bias) {
          weights.put("bias_ih" + sfx, uniform(r, bound, g));
          weights.put("bias_hh" + sfx, uniform(r, bound, g));
        }
      }
    }
    long width = directions() * hidden;
    return lastState ? new long[] {width} : new long[] {sampleShape[0], width};
  }

  private static String suffix(int layer, int direction) {
    return "_l" + layer + (direction == 1 ? "_reverse" : "");
  }

  private static Param uniform(SplittableRandom r, double bound, long... shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    float[] v = new float[Math.toIntExact(n)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) ((2 * r.nextDouble() - 1) * bound);
    }
    return Param.of(Tensor.of(v, shape));
  }

  /** Sequences of any length (and, time-first, any batch size), of the same width. */
  @Override
  protected boolean accepts(long[] sample, long[] builtFor) {
    return sample.length == 2 && sample[1] == builtFor[1];
  }

  // ---------------------------------------------------------------- computing

  @Override
  protected Tensor forward(Tensor x) {
    return select(run(x, null, null));
  }

  /**
   * Runs the layer on a padded batch: {@code mask} is [batch, seq] of 1 (a real step) and 0
   * (padding), or int32 lengths [batch] (see {@link Masks}); the result is what {@link #apply}
   * gives, the sequence or the last state.
   */
  public Tensor apply(Tensor x, Tensor mask) {
    return select(run(x, mask, null));
  }

  private Tensor select(Output out) {
    if (!lastState) {
      return out.sequence();
    }
    Tensor h = out.last().h(); // [layers·dirs, batch, hidden]
    long top = (long) (layers - 1) * directions();
    if (!bidirectional) {
      return h.select(0, top);
    }
    return Tensor.concat(1, h.select(0, top), h.select(0, top + 1));
  }

  /** The outputs at every step and the final states; see {@link Output}. */
  public Output run(Tensor x) {
    return run(x, null, null);
  }

  /**
   * The outputs at every step and the final states, from an initial state ({@code null}: zeros) of
   * torch's layout [layers·directions, batch, hidden], on a batch with an optional mask ({@code
   * null}: every step is real; see {@link #apply(Tensor, Tensor)}).
   */
  public Output run(Tensor x, Tensor mask, State initial) {
    ensureBuilt(x);
    if (x.dim() != 3) {
      throw new IllegalArgumentException(
          describe()
              + ": expects "
              + (batchFirst ? "[batch, seq, features]" : "[seq, batch, features]")
              + ", got "
              + x.shapeString());
    }
    Tensor seq = batchFirst ? x : x.transpose(0, 1);
    long n = seq.size(0);
    long len = seq.size(1);
    Tensor m = mask == null ? null : Masks.of(describe(), mask, n, len, batchFirst, seq);
    checkInitial(initial, n, seq);
    List<Tensor> lastH = new ArrayList<>();
    List<Tensor> lastC = new ArrayList<>();
    Tensor input = seq;
    for (int l = 0; l < layers; l++) {
      Tensor[] outs = new Tensor[directions()];
      for (int d = 0; d < directions(); d++) {
        int k = l * directions() + d;
        State s0 =
            initial == null
                ? zeros(n, seq)
                : new State(
                    initial.h().select(0, k), hasCellState() ? initial.c().select(0, k) : null);
        Output o = direction(input, m, d == 1, s0, suffix(l, d));
        outs[d] = o.sequence();
        lastH.add(o.last().h());
        if (hasCellState()) {
          lastC.add(o.last().c());
        }
      }
      input = outs.length == 1 ? outs[0] : Tensor.concat(2, outs);
      if (dropout > 0 && isTraining() && l < layers - 1) {
        Tensor keep =
            Tensor.rand(input.shape(), nextSeed()).to(input.device()).ge(dropout).to(input.dtype());
        input = input.mul(keep).mul(1 / (1 - dropout));
      }
    }
    Tensor out = batchFirst ? input : input.transpose(0, 1);
    Tensor hN = Tensor.stack(0, lastH.toArray(Tensor[]::new));
    Tensor cN = hasCellState() ? Tensor.stack(0, lastC.toArray(Tensor[]::new)) : null;
    return new Output(out, new State(hN, cN));
  }

  /** One direction of one layer over the whole sequence: in [batch, seq, width]. */
  private Output direction(Tensor in, Tensor mask, boolean reverse, State s, String sfx) {
    long n = in.size(0);
    long len = in.size(1);
    Tensor wih = weights.get("weight_ih" + sfx).value();
    Tensor whhT = weights.get("weight_hh" + sfx).value().transpose();
    Tensor bih = bias ? weights.get("bias_ih" + sfx).value() : null;
    Tensor bhh = bias ? weights.get("bias_hh" + sfx).value() : null;
    // The input's part of every step in one matrix product: [batch·seq, width] x [width, G·hidden].
    Tensor xw = in.reshape(n * len, in.size(2)).matmul(wih.transpose());
    if (bias) {
      xw = xw.add(foldsRecurrentBias() ? bih.add(bhh) : bih);
    }
    xw = xw.reshape(n, len, gates() * hidden);
    Output whole = fused(xw, weights.get("weight_hh" + sfx).value(), s, mask, reverse);
    if (whole != null) {
      return whole;
    }
    Tensor stepBias = bias && !foldsRecurrentBias() ? bhh : null;
    Tensor[] outs = new Tensor[Math.toIntExact(len)];
    for (long k = 0; k < len; k++) {
      long t = reverse ? len - 1 - k : k;
      State next = cell(xw.select(1, t), s, whhT, stepBias);
      if (mask == null) {
        s = next;
        outs[(int) t] = next.h();
      } else {
        Tensor mt = mask.select(1, t).unsqueeze(1); // [batch, 1]
        s =
            new State(
                carry(mt, next.h(), s.h()), hasCellState() ? carry(mt, next.c(), s.c()) : null);
        outs[(int) t] = s.h().mul(mt);
      }
    }
    return new Output(Tensor.stack(1, outs), s);
  }

  /** m·next + (1 - m)·prev, written so that m = 1 gives next exactly. */
  private static Tensor carry(Tensor m, Tensor next, Tensor prev) {
    return prev.add(next.sub(prev).mul(m));
  }

  private State zeros(long n, Tensor like) {
    Tensor h = Tensor.zeros(like.device(), like.dtype(), n, hidden);
    return new State(
        h, hasCellState() ? Tensor.zeros(like.device(), like.dtype(), n, hidden) : null);
  }

  private void checkInitial(State initial, long n, Tensor like) {
    if (initial == null) {
      return;
    }
    long[] want = {(long) layers * directions(), n, hidden};
    check("h", initial.h(), want, like);
    if (hasCellState()) {
      check("c", initial.c(), want, like);
    }
  }

  private void check(String which, Tensor t, long[] want, Tensor like) {
    if (t == null) {
      throw new IllegalArgumentException(
          describe()
              + ": the initial state has no "
              + which
              + "; expected "
              + Arrays.toString(want));
    }
    if (!Arrays.equals(t.shape(), want)) {
      throw new IllegalArgumentException(
          describe()
              + ": the initial "
              + which
              + " has shape "
              + t.shapeString()
              + ", expected [layers·directions, batch, hidden] = "
              + Arrays.toString(want));
    }
    if (!t.device().equals(like.device())) {
      throw new IllegalArgumentException(
          describe()
              + ": the initial "
              + which
              + " is on "
              + t.device()
              + ", the input on "
              + like.device());
    }
  }
}
