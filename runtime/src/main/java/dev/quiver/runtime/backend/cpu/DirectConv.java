package dev.quiver.runtime.backend.cpu;

import dev.quiver.runtime.backend.ConvGeometry;
import dev.quiver.runtime.backend.View;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Direct 2-D convolution for stride 1, dilation 1 and one group (the 3x3 "same" convolution of most
 * CNNs), float32, without a column matrix.
 *
 * <p>A sample's input is copied once into a zero-padded plane per channel, {@code Hp × Wp}. Laid
 * out flat, the output pixel {@code (r, q)} at position {@code p = r·Wp + q} reads the plane at
 * {@code p + ki·Wp + kj} for the tap {@code (ki, kj)}: every tap is the same contiguous run of the
 * plane, shifted. So the convolution is a sum over channels and taps of shifted vector loads times
 * broadcast weights, computed for whole runs of {@code p}, also the {@code kw - 1} positions past
 * each output row that no pixel uses (a few percent of extra work, dropped when the output is
 * copied out). The register tile is {@value #MR} output channels × {@value #NV} vectors of
 * positions: twelve accumulators, plus three loaded vectors and a broadcast, fit the sixteen vector
 * registers of AVX2 as well as the 32 of AVX-512, whatever the vector length.
 *
 * <p>The input gradient is the same kernel: the output gradient padded by {@code k - 1 - pad} and
 * correlated with the weights flipped and transposed. The weight gradient, over the same padded
 * planes, is {@link DirectConvWeight}.
 *
 * <p>Samples are spread over the worker pool, each worker with its own buffers; a single sample
 * spreads its blocks of output channels instead. Interruptible between samples and blocks.
 */
final class DirectConv {
  private DirectConv() {}

  static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  static final int L = F.length();
  static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

  /** Output channels per register tile. */
  static final int MR = 4;

  /** Vectors of positions per register tile. */
  static final int NV = 3;

  private static final int T = NV * L;

  private static final LongAdder CALLS = new LongAdder();

  /** Calls of the three kernels so far (tests check that the direct path ran). */
  static long calls() {
    return CALLS.sum();
  }

  static void counted() {
    CALLS.increment();
  }

  /** Per-thread buffers, grown on demand and kept. */
  static final class Buffers {
    float[] plane = new float[0];
    float[] out = new float[0];
    float[] stage = new float[0];

    /** A sample as it is in memory: one bulk copy, then rows moved array to array. */
    float[] stage(int n) {
      return stage.length >= n ? stage : (stage = new float[n]);
    }

    float[] plane(int n) {
      return plane.length >= n ? plane : (plane = new float[n]);
    }

    float[] out(int n) {
      return out.length >= n ? out : (out = new float[n]);
    }
  }

  static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

  /**
   * Whether the direct kernels compute a convolution: whenever they apply, unless the system
   * property {@code quiver.conv.kernel} is {@code im2col} ({@code direct} forces them where they
   * apply, as the tests do). Measured against im2col + Sgemm on the bench's 3x3 64-channel layer
   * and on the LeNet and notebook 13 layers (3x3 and 5x5, 1 to 64 channels, 7x7 to 56x56), the
   * direct kernels took 1.3x to 4.5x less time for the forward and both gradients on every shape
   * (table in docs/benchmarks.md), so there is no per-shape switch back.
   */
  static boolean chosen(ConvGeometry g) {
    return !"im2col".equals(System.getProperty("quiver.conv.kernel")) && applies(g);
  }

  /** True when the direct kernels can compute this convolution. */
  static boolean applies(ConvGeometry g) {
    int pb = g.outH() - 1 + g.kernelH() - g.inH() - g.padTop();
    int pr = g.outW() - 1 + g.kernelW() - g.inW() - g.padLeft();
    return g.groups() == 1
        && g.strideH() == 1
        && g.strideW() == 1
        && g.dilationH() == 1
        && g.dilationW() == 1
        && !g.isPointwise()
        && within(g.padTop(), g.kernelH())
        && within(pb, g.kernelH())
        && within(g.padLeft(), g.kernelW())
        && within(pr, g.kernelW());
  }

  private static boolean within(int pad, int k) {
    return pad >= 0 && pad <= k - 1;
  }

  /**
   * The shape of one valid correlation: {@code channels} padded planes {@code hp × wp} in, {@code
   * outChannels} planes of {@code (hp - kh + 1)} rows of stride {@code wp} out.
   */
  record Plan(int channels, int hp, int wp, int kh, int kw, int outChannels) {
    int oh() {
      return hp - kh + 1;
    }

    int ow() {
      return wp - kw + 1;
    }

    int planeSize() {
      return hp * wp;
    }

    /** Positions computed per output channel: whole tiles covering {@code oh · wp}. */
    int stride() {
      return roundUp(oh() * wp, T);
    }

    int taps() {
      return channels * kh * kw;
    }

    int blocks() {
      return (outChannels + MR - 1) / MR;
    }

    /** Floats of the padded input, with slack for the reads of the last tile. */
    int planeFloats() {
      return channels * planeSize() + stride() - oh() * wp + kw + T;
    }

    int outFloats() {
      return blocks() * MR * stride();
    }

    /** Where each tap {@code (c, ki, kj)}, in the weights' order, reads in the planes. */
    int[] offsets() {
      int[] o = new int[taps()];
      for (int k = 0; k < o.length; k++) {
        int t = k % (kh * kw);
        o[k] = (k / (kh * kw)) * planeSize() + (t / kw) * wp + t % kw;
      }
      return o;
    }
  }

  // ------------------------------------------------------------------------------------ forward

  /** The padded input planes of a convolution and its weights. */
  static Plan inputPlan(ConvGeometry g) {
    int pb = g.outH() - 1 + g.kernelH() - g.inH() - g.padTop();
    int pr = g.outW() - 1 + g.kernelW() - g.inW() - g.padLeft();
    int hp = g.inH() + g.padTop() + pb;
    return new Plan(
        g.inChannels(), hp, g.inW() + g.padLeft() + pr, g.kernelH(), g.kernelW(), g.outChannels());
  }

  static void forward(View x, View w, View y, ConvGeometry g) {
    CALLS.increment();
    Plan plan = inputPlan(g);
    float[] wk = packForward(w, plan);
    correlate("conv2d", x, g.inH(), g.inW(), g.padTop(), g.padLeft(), plan, wk, y, g.batch());
  }

  static void backwardInput(View dy, View w, View dx, ConvGeometry g) {
    CALLS.increment();
    int pb = g.outH() - 1 + g.kernelH() - g.inH() - g.padTop();
    int pr = g.outW() - 1 + g.kernelW() - g.inW() - g.padLeft();
    int kh = g.kernelH();
    int kw = g.kernelW();
    Plan plan =
        new Plan(
            g.outChannels(),
            g.outH() + (kh - 1 - g.padTop()) + (kh - 1 - pb),
            g.outW() + (kw - 1 - g.padLeft()) + (kw - 1 - pr),
            kh,
            kw,
            g.inChannels());
    float[] wk = packFlipped(w, g, plan);
    int top = kh - 1 - g.padTop();
    int left = kw - 1 - g.padLeft();
    correlate("conv2d backward", dy, g.outH(), g.outW(), top, left, plan, wk, dx, g.batch());
  }

  /** {@code wk[(block·taps + k)·MR + r] = w[block·MR + r][k]}, zeros past the last channel. */
  private static float[] packForward(View w, Plan plan) {
    int taps = plan.taps();
    float[] flat = new float[plan.outChannels() * taps];
    MemorySegment.copy(w.hostSegment(), FLOAT, w.offset() * Float.BYTES, flat, 0, flat.length);
    float[] wk = new float[plan.blocks() * taps * MR];
    for (int m = 0; m < plan.outChannels(); m++) {
      int base = (m / MR) * taps * MR + m % MR;
      for (int k = 0; k < taps; k++) {
        wk[base + k * MR] = flat[m * taps + k];
      }
    }
    return wk;
  }

  /** The weights of the input gradient: {@code w'[c][m][ki][kj] = w[m][c][kh-1-ki][kw-1-kj]}. */
  private static float[] packFlipped(View w, ConvGeometry g, Plan plan) {
    int kk = g.kernelH() * g.kernelW();
    int cin = g.inChannels();
    int taps = plan.taps();
    float[] flat = new float[g.outChannels() * cin * kk];
    MemorySegment.copy(w.hostSegment(), FLOAT, w.offset() * Float.BYTES, flat, 0, flat.length);
    float[] wk = new float[plan.blocks() * taps * MR];
    for (int c = 0; c < cin; c++) {
      int base = (c / MR) * taps * MR + c % MR;
      for (int m = 0; m < g.outChannels(); m++) {
        for (int t = 0; t < kk; t++) {
          wk[base + (m * kk + t) * MR] = flat[(m * cin + c) * kk + (kk - 1 - t)];
        }
      }
    }
    return wk;
  }

  /**
   * For each sample: pads {@code src} ({@code [batch, plan.channels, h, w]}) into planes,
   * correlates them with {@code wk} and copies the valid pixels into {@code dst}.
   */
  private static void correlate(
      String op,
      View src,
      int h,
      int w,
      int top,
      int left,
      Plan plan,
      float[] wk,
      View dst,
      int batch) {
    boolean spread = batch > 1 && Parallel.threads() > 1 && accessible(src, dst);
    if (spread) {
      Parallel.parallelFor(
          op,
          0,
          batch,
          1,
          (from, to) -> {
            for (long n = from; n < to; n++) {
              Parallel.checkInterrupt(op);
              Buffers buf = BUFFERS.get();
              float[] xp = buf.plane(plan.planeFloats());
              float[] out = buf.out(plan.outFloats());
              pad(src, (int) n, h, w, top, left, plan, xp);
              blocks(op, xp, plan, wk, out, 0, plan.blocks());
              unpad(out, plan, dst, (int) n);
            }
          });
      return;
    }
    Buffers buf = BUFFERS.get();
    float[] xp = buf.plane(plan.planeFloats());
    float[] out = buf.out(plan.outFloats());
    boolean inside = Parallel.threads() > 1 && accessible(src, dst);
    for (int n = 0; n < batch; n++) {
      Parallel.checkInterrupt(op);
      pad(src, n, h, w, top, left, plan, xp);
      if (inside) {
        Parallel.parallelFor(
            op, 0, plan.blocks(), 1, (b0, b1) -> blocks(op, xp, plan, wk, out, (int) b0, (int) b1));
      } else {
        blocks(op, xp, plan, wk, out, 0, plan.blocks());
      }
      unpad(out, plan, dst, n);
    }
  }

  static boolean accessible(View... views) {
    for (View v : views) {
      if (!Parallel.workersCanAccess(v.hostSegment())) {
        return false;
      }
    }
    return true;
  }

  /**
   * Sample {@code n} of {@code src} into zero-padded planes. Only the padding is zeroed (the buffer
   * is shared by convolutions of other shapes, so it is zeroed every time): the rows above and
   * below, and between two rows the right padding of one and the left of the next, one run.
   */
  static void pad(View src, int n, int h, int w, int top, int left, Plan plan, float[] xp) {
    int size = plan.channels() * h * w;
    float[] st = BUFFERS.get().stage(size);
    long base = src.offset() + (long) n * size;
    MemorySegment.copy(src.hostSegment(), FLOAT, base * Float.BYTES, st, 0, size);
    int wp = plan.wp();
    int ps = plan.planeSize();
    for (int c = 0, i = 0; c < plan.channels(); c++) {
      int o = c * ps + top * wp + left;
      Arrays.fill(xp, c * ps, o, 0f);
      for (int r = 0; r < h; r++, i += w, o += wp) {
        System.arraycopy(st, i, xp, o, w);
        Arrays.fill(xp, o + w, r < h - 1 ? o + wp : (c + 1) * ps, 0f);
      }
    }
    Arrays.fill(xp, plan.channels() * ps, plan.planeFloats(), 0f);
  }

  /** The valid pixels of {@code out} into sample {@code n} of {@code dst}. */
  private static void unpad(float[] out, Plan plan, View dst, int n) {
    int oh = plan.oh();
    int ow = plan.ow();
    int size = plan.outChannels() * oh * ow;
    float[] st = BUFFERS.get().stage(size);
    for (int m = 0, i = 0; m < plan.outChannels(); m++) {
      for (int r = 0, o = m * plan.stride(); r < oh; r++, i += ow, o += plan.wp()) {
        System.arraycopy(out, o, st, i, ow);
      }
    }
    long base = dst.offset() + (long) n * size;
    MemorySegment.copy(st, 0, dst.hostSegment(), FLOAT, base * Float.BYTES, size);
  }

  /** Blocks {@code [b0, b1)} of output channels, every tile of positions. */
  private static void blocks(
      String op, float[] xp, Plan plan, float[] wk, float[] out, int b0, int b1) {
    int stride = plan.stride();
    int[] offsets = plan.offsets();
    for (int b = b0; b < b1; b++) {
      Parallel.checkInterrupt(op);
      int wBase = b * plan.taps() * MR;
      int oBase = b * MR * stride;
      for (int p = 0; p < stride; p += T) {
        tile(xp, offsets, wk, wBase, out, oBase + p, stride, p);
      }
    }
  }

  /**
   * One register tile: {@value #MR} channels × {@value #NV} vectors of positions from {@code p}.
   */
  private static void tile(
      float[] xp, int[] offsets, float[] wk, int wi, float[] out, int o, int stride, int p) {
    FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00;
    FloatVector a10 = a00, a11 = a00, a12 = a00;
    FloatVector a20 = a00, a21 = a00, a22 = a00;
    FloatVector a30 = a00, a31 = a00, a32 = a00;
    for (int k = 0; k < offsets.length; k++, wi += MR) {
      int at = p + offsets[k];
      FloatVector x0 = FloatVector.fromArray(F, xp, at);
      FloatVector x1 = FloatVector.fromArray(F, xp, at + L);
      FloatVector x2 = FloatVector.fromArray(F, xp, at + 2 * L);
      FloatVector v = FloatVector.broadcast(F, wk[wi]);
      a00 = x0.fma(v, a00);
      a01 = x1.fma(v, a01);
      a02 = x2.fma(v, a02);
      v = FloatVector.broadcast(F, wk[wi + 1]);
      a10 = x0.fma(v, a10);
      a11 = x1.fma(v, a11);
      a12 = x2.fma(v, a12);
      v = FloatVector.broadcast(F, wk[wi + 2]);
      a20 = x0.fma(v, a20);
      a21 = x1.fma(v, a21);
      a22 = x2.fma(v, a22);
      v = FloatVector.broadcast(F, wk[wi + 3]);
      a30 = x0.fma(v, a30);
      a31 = x1.fma(v, a31);
      a32 = x2.fma(v, a32);
    }
    a00.intoArray(out, o);
    a01.intoArray(out, o + L);
    a02.intoArray(out, o + 2 * L);
    o += stride;
    a10.intoArray(out, o);
    a11.intoArray(out, o + L);
    a12.intoArray(out, o + 2 * L);
    o += stride;
    a20.intoArray(out, o);
    a21.intoArray(out, o + L);
    a22.intoArray(out, o + 2 * L);
    o += stride;
    a30.intoArray(out, o);
    a31.intoArray(out, o + L);
    a32.intoArray(out, o + 2 * L);
  }

  static int roundUp(int n, int multiple) {
    return (n + multiple - 1) / multiple * multiple;
  }
}
