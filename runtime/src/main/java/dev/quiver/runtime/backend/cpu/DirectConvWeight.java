package dev.quiver.runtime.backend.cpu;

import static dev.quiver.runtime.backend.cpu.DirectConv.BUFFERS;
import static dev.quiver.runtime.backend.cpu.DirectConv.F;
import static dev.quiver.runtime.backend.cpu.DirectConv.FLOAT;
import static dev.quiver.runtime.backend.cpu.DirectConv.L;
import static dev.quiver.runtime.backend.cpu.DirectConv.MR;
import static dev.quiver.runtime.backend.cpu.DirectConv.roundUp;

import dev.quiver.runtime.backend.ConvGeometry;
import dev.quiver.runtime.backend.View;
import dev.quiver.runtime.backend.cpu.DirectConv.Buffers;
import dev.quiver.runtime.backend.cpu.DirectConv.Plan;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The weight gradient of {@link DirectConv}'s convolutions: {@code dw[m][k] = Σ_n Σ_p dy[n, m, p] ·
 * xp[n][p + offset(k)]} over each sample's output positions {@code p} and the taps {@code k = (c,
 * ki, kj)}, with {@code xp} the zero-padded input planes of the forward pass. Two kernels:
 *
 * <ul>
 *   <li><b>Channels in vectors</b>, when the output channels fill whole tiles of {@value #MV}
 *       vectors (64 channels on AVX-512; see {@link #channelsInVectors}): a sample's output
 *       gradient is transposed to {@code [position][channel]}, and a register tile of {@value #MV}
 *       vectors of channels × {@value #KT} taps takes, per position, {@value #MV} loads and one
 *       broadcast of the input per tap: the forward tile with the roles of positions and channels
 *       swapped. The sums stay in vectors over a slice of rows and are added to a {@code
 *       [tap][channel]} partial sum per worker: no lane reductions. On the bench's layer with
 *       AVX-512 it took about two thirds of the CPU time of the other kernel in place (less than
 *       half alone).
 *   <li><b>Positions in vectors</b>, any channel count: the output gradient laid out with the
 *       planes' row stride (zeros in the unused positions), a tile of {@value DirectConv#MR} output
 *       channels × three taps, reduced across lanes once per slice of positions.
 * </ul>
 *
 * <p>Samples are spread over the worker pool with one partial sum per worker; a single sample
 * spreads its blocks of output channels instead. Interruptible between samples and blocks.
 */
final class DirectConvWeight {
  private DirectConvWeight() {}

  /** Vectors of output channels per tile of the channels-in-vectors kernel. */
  static final int MV = 4;

  /** Taps per tile of the channels-in-vectors kernel. */
  static final int KT = 3;

  /**
   * Floats of the transposed output gradient that one slice of rows of a channel block reads (32
   * KB), so that they stay in the first-level cache while every tap passes over them.
   */
  private static final int ROW_FLOATS = 8192;

  /**
   * Positions per slice of the weight gradient: 2 048 floats (8 KB) of each of the tile's {@value
   * #MR} output-gradient rows, so that they stay in the first-level cache while every tap passes
   * over them, rounded up to whole vectors. Measured against 512 and 1 024 on AVX-512 and AVX2
   * (docs/benchmarks.md): fewer lane reductions per slice, and no loss on either width.
   */
  private static final int SLICE = roundUp(2048, L);

  /** One way to compute the weight gradient, sample by sample, in blocks of output channels. */
  private interface Kernel {
    int blocks();

    /** Floats of a worker's partial sum. */
    int partialSize();

    /** Lays sample {@code n} out in {@code buf}. */
    void sample(int n, Buffers buf);

    /** Adds blocks {@code [b0, b1)} of the sample in {@code buf} to {@code partial}. */
    void add(Buffers buf, float[] partial, int b0, int b1);

    /** The weight gradient {@code [out][taps]} from the sum of the partial sums. */
    float[] result(float[] sum);
  }

  /**
   * True when the channels-in-vectors kernel computes this weight gradient: the output channels
   * fill whole tiles, and vectors of 16 floats or more. With 8 floats (AVX2: sixteen vector
   * registers, and the tile needs seventeen) it measured slower than positions in vectors on the
   * bench's layer (docs/benchmarks.md), so it is not chosen there. The system property {@code
   * quiver.conv.weight} set to {@code channels} forces it wherever the channels fill whole tiles
   * (the tests do, to check it at every vector length), {@code positions} turns it off.
   */
  static boolean channelsInVectors(ConvGeometry g) {
    String choice = System.getProperty("quiver.conv.weight", "");
    return g.outChannels() % (MV * L) == 0
        && !choice.equals("positions")
        && (L >= 16 || choice.equals("channels"));
  }

  static void backward(View x, View dy, View dw, ConvGeometry g) {
    DirectConv.counted();
    Plan plan = DirectConv.inputPlan(g);
    String op = "conv2d backward";
    Kernel k =
        channelsInVectors(g)
            ? new ChannelsInVectors(op, x, dy, g, plan)
            : new PositionsInVectors(op, x, dy, g, plan);
    boolean spread = g.batch() > 1 && Parallel.threads() > 1 && DirectConv.accessible(x, dy, dw);
    int parts = spread ? Math.min(Parallel.threads(), g.batch()) : 1;
    float[][] partial = new float[parts][k.partialSize()];
    if (spread) {
      Parallel.parallelFor(
          op,
          0,
          parts,
          1,
          (from, to) -> {
            for (long part = from; part < to; part++) {
              int n0 = (int) (part * g.batch() / parts);
              int n1 = (int) ((part + 1) * g.batch() / parts);
              Buffers buf = BUFFERS.get();
              for (int n = n0; n < n1; n++) {
                Parallel.checkInterrupt(op);
                k.sample(n, buf);
                k.add(buf, partial[(int) part], 0, k.blocks());
              }
            }
          });
    } else {
      Buffers buf = BUFFERS.get();
      boolean inside = Parallel.threads() > 1 && DirectConv.accessible(x, dy, dw);
      for (int n = 0; n < g.batch(); n++) {
        Parallel.checkInterrupt(op);
        k.sample(n, buf);
        if (inside) {
          Parallel.parallelFor(
              op, 0, k.blocks(), 1, (b0, b1) -> k.add(buf, partial[0], (int) b0, (int) b1));
        } else {
          k.add(buf, partial[0], 0, k.blocks());
        }
      }
    }
    float[] sum = partial[0];
    for (int q = 1; q < parts; q++) {
      float[] r = partial[q];
      for (int i = 0; i < sum.length; i++) {
        sum[i] += r[i];
      }
    }
    float[] result = k.result(sum);
    MemorySegment.copy(
        result, 0, dw.hostSegment(), FLOAT, dw.offset() * Float.BYTES, result.length);
  }

  private static void padInput(View x, int n, ConvGeometry g, Plan plan, Buffers buf) {
    float[] xp = buf.plane(plan.planeFloats());
    DirectConv.pad(x, n, g.inH(), g.inW(), g.padTop(), g.padLeft(), plan, xp);
  }

  // ------------------------------------------------------------------------ channels in vectors

  private record ChannelsInVectors(
      String op, View x, View dy, ConvGeometry g, Plan plan, int[] offsets, int rows)
      implements Kernel {
    ChannelsInVectors(String op, View x, View dy, ConvGeometry g, Plan plan) {
      // Taps rounded up to whole tiles: the extra ones read the first positions of the planes
      // (in bounds) and their sums are dropped.
      this(
          op,
          x,
          dy,
          g,
          plan,
          Arrays.copyOf(plan.offsets(), roundUp(plan.taps(), KT)),
          Math.max(1, ROW_FLOATS / (plan.ow() * MV * L)));
    }

    @Override
    public int blocks() {
      return plan.outChannels() / (MV * L);
    }

    @Override
    public int partialSize() {
      return offsets.length * plan.outChannels();
    }

    /** Pads the input and transposes the output gradient to {@code [oh·ow][out]}. */
    @Override
    public void sample(int n, Buffers buf) {
      padInput(x, n, g, plan, buf);
      int m = plan.outChannels();
      int positions = plan.oh() * plan.ow();
      int size = m * positions;
      float[] st = buf.stage(size);
      long base = dy.offset() + (long) n * size;
      MemorySegment.copy(dy.hostSegment(), FLOAT, base * Float.BYTES, st, 0, size);
      float[] dyT = buf.out(size);
      for (int p0 = 0; p0 < positions; p0 += 16) {
        int p1 = Math.min(positions, p0 + 16);
        for (int c = 0; c < m; c++) {
          for (int p = p0, i = c * positions + p0; p < p1; p++, i++) {
            dyT[p * m + c] = st[i];
          }
        }
      }
    }

    @Override
    public void add(Buffers buf, float[] dwT, int b0, int b1) {
      float[] xp = buf.plane;
      float[] dyT = buf.out;
      int m = plan.outChannels();
      int oh = plan.oh();
      for (int r0 = 0; r0 < oh; r0 += rows) {
        int r1 = Math.min(oh, r0 + rows);
        for (int b = b0; b < b1; b++) {
          Parallel.checkInterrupt(op);
          for (int k = 0; k < offsets.length; k += KT) {
            channelTile(xp, dyT, dwT, k * m + b * MV * L, r0, r1, b * MV * L, k);
          }
        }
      }
    }

    /**
     * {@value #MV} vectors of channels from {@code mb} × taps {@code k, k+1, k+2}, over rows {@code
     * [r0, r1)}, added to {@code dwT} at {@code wi} ({@code [tap][channel]}).
     */
    private void channelTile(
        float[] xp, float[] dyT, float[] dwT, int wi, int r0, int r1, int mb, int k) {
      int m = plan.outChannels();
      int ow = plan.ow();
      int wp = plan.wp();
      int i1 = wi + m;
      int i2 = wi + 2 * m;
      FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
      FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
      FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
      for (int r = r0; r < r1; r++) {
        int x0 = offsets[k] + r * wp;
        int x1 = offsets[k + 1] + r * wp;
        int x2 = offsets[k + 2] + r * wp;
        for (int q = 0, d = r * ow * m + mb; q < ow; q++, d += m) {
          FloatVector d0 = FloatVector.fromArray(F, dyT, d);
          FloatVector d1 = FloatVector.fromArray(F, dyT, d + L);
          FloatVector d2 = FloatVector.fromArray(F, dyT, d + 2 * L);
          FloatVector d3 = FloatVector.fromArray(F, dyT, d + 3 * L);
          FloatVector v = FloatVector.broadcast(F, xp[x0 + q]);
          a00 = d0.fma(v, a00);
          a01 = d1.fma(v, a01);
          a02 = d2.fma(v, a02);
          a03 = d3.fma(v, a03);
          v = FloatVector.broadcast(F, xp[x1 + q]);
          a10 = d0.fma(v, a10);
          a11 = d1.fma(v, a11);
          a12 = d2.fma(v, a12);
          a13 = d3.fma(v, a13);
          v = FloatVector.broadcast(F, xp[x2 + q]);
          a20 = d0.fma(v, a20);
          a21 = d1.fma(v, a21);
          a22 = d2.fma(v, a22);
          a23 = d3.fma(v, a23);
        }
      }
      addTo(dwT, wi, a00, a01, a02, a03);
      addTo(dwT, i1, a10, a11, a12, a13);
      addTo(dwT, i2, a20, a21, a22, a23);
    }

    /** {@code [tap][out]} (with the extra taps) to {@code [out][tap]}. */
    @Override
    public float[] result(float[] dwT) {
      int m = plan.outChannels();
      int taps = plan.taps();
      float[] dw = new float[m * taps];
      for (int k = 0; k < taps; k++) {
        for (int c = 0; c < m; c++) {
          dw[c * taps + k] = dwT[k * m + c];
        }
      }
      return dw;
    }
  }

  /** Adds four vectors to {@code dw} from {@code i}. */
  private static void addTo(
      float[] dw, int i, FloatVector a, FloatVector b, FloatVector c, FloatVector d) {
    FloatVector.fromArray(F, dw, i).add(a).intoArray(dw, i);
    FloatVector.fromArray(F, dw, i + L).add(b).intoArray(dw, i + L);
    FloatVector.fromArray(F, dw, i + 2 * L).add(c).intoArray(dw, i + 2 * L);
    FloatVector.fromArray(F, dw, i + 3 * L).add(d).intoArray(dw, i + 3 * L);
  }

  // ----------------------------------------------------------------------- positions in vectors

  private record PositionsInVectors(String op, View x, View dy, ConvGeometry g, Plan plan)
      implements Kernel {
    @Override
    public int blocks() {
      return plan.blocks();
    }

    @Override
    public int partialSize() {
      return plan.outChannels() * plan.taps();
    }

    @Override
    public void sample(int n, Buffers buf) {
      padInput(x, n, g, plan, buf);
      spreadRows(dy, n, plan, buf.out(plan.outFloats()));
    }

    @Override
    public void add(Buffers buf, float[] partial, int b0, int b1) {
      weightBlocks(op, buf.out, buf.plane, plan, partial, b0, b1);
    }

    @Override
    public float[] result(float[] sum) {
      return sum;
    }
  }

  /**
   * Sample {@code n} of the output gradient with row stride {@code wp}, zeros elsewhere (only the
   * gaps are zeroed: the columns past each row, the tail of each channel, the channels past the
   * last).
   */
  private static void spreadRows(View dy, int n, Plan plan, float[] dyp) {
    int oh = plan.oh();
    int ow = plan.ow();
    int wp = plan.wp();
    int stride = plan.stride();
    int size = plan.outChannels() * oh * ow;
    float[] st = BUFFERS.get().stage(size);
    long base = dy.offset() + (long) n * size;
    MemorySegment.copy(dy.hostSegment(), FLOAT, base * Float.BYTES, st, 0, size);
    for (int m = 0, i = 0; m < plan.outChannels(); m++) {
      int o = m * stride;
      for (int r = 0; r < oh; r++, i += ow, o += wp) {
        System.arraycopy(st, i, dyp, o, ow);
        Arrays.fill(dyp, o + ow, r < oh - 1 ? o + wp : (m + 1) * stride, 0f);
      }
    }
    Arrays.fill(dyp, plan.outChannels() * stride, plan.outFloats(), 0f);
  }

  /**
   * Adds blocks {@code [b0, b1)} of output channels' weight gradients of one sample to {@code dw}.
   */
  private static void weightBlocks(
      String op, float[] dyp, float[] xp, Plan plan, float[] dw, int b0, int b1) {
    int stride = plan.stride();
    int taps = plan.taps();
    int[] offsets = plan.offsets();
    for (int s0 = 0; s0 < stride; s0 += SLICE) {
      int s1 = Math.min(stride, s0 + SLICE);
      for (int b = b0; b < b1; b++) {
        Parallel.checkInterrupt(op);
        int rows = Math.min(MR, plan.outChannels() - b * MR);
        int d = b * MR * stride;
        int k = 0;
        for (; k + 3 <= taps; k += 3) {
          weightTile(dyp, d, stride, xp, offsets, k, s0, s1, dw, b * MR, rows, taps);
        }
        for (; k < taps; k++) {
          weightTap(dyp, d, stride, xp, offsets[k], s0, s1, dw, b * MR, rows, taps, k);
        }
      }
    }
  }

  /** {@value #MR} channels × taps {@code k, k+1, k+2} over positions {@code [s0, s1)}. */
  private static void weightTile(
      float[] dyp,
      int d,
      int stride,
      float[] xp,
      int[] offsets,
      int k,
      int s0,
      int s1,
      float[] dw,
      int m,
      int rows,
      int taps) {
    int o0 = offsets[k];
    int o1 = offsets[k + 1];
    int o2 = offsets[k + 2];
    FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00;
    FloatVector a10 = a00, a11 = a00, a12 = a00;
    FloatVector a20 = a00, a21 = a00, a22 = a00;
    FloatVector a30 = a00, a31 = a00, a32 = a00;
    for (int p = s0; p < s1; p += L) {
      FloatVector x0 = FloatVector.fromArray(F, xp, o0 + p);
      FloatVector x1 = FloatVector.fromArray(F, xp, o1 + p);
      FloatVector x2 = FloatVector.fromArray(F, xp, o2 + p);
      FloatVector v = FloatVector.fromArray(F, dyp, d + p);
      a00 = x0.fma(v, a00);
      a01 = x1.fma(v, a01);
      a02 = x2.fma(v, a02);
      v = FloatVector.fromArray(F, dyp, d + stride + p);
      a10 = x0.fma(v, a10);
      a11 = x1.fma(v, a11);
      a12 = x2.fma(v, a12);
      v = FloatVector.fromArray(F, dyp, d + 2 * stride + p);
      a20 = x0.fma(v, a20);
      a21 = x1.fma(v, a21);
      a22 = x2.fma(v, a22);
      v = FloatVector.fromArray(F, dyp, d + 3 * stride + p);
      a30 = x0.fma(v, a30);
      a31 = x1.fma(v, a31);
      a32 = x2.fma(v, a32);
    }
    int i = m * taps + k;
    add(dw, i, a00, a01, a02);
    if (rows > 1) {
      add(dw, i + taps, a10, a11, a12);
    }
    if (rows > 2) {
      add(dw, i + 2 * taps, a20, a21, a22);
    }
    if (rows > 3) {
      add(dw, i + 3 * taps, a30, a31, a32);
    }
  }

  private static void add(float[] dw, int i, FloatVector a, FloatVector b, FloatVector c) {
    dw[i] += a.reduceLanes(VectorOperators.ADD);
    dw[i + 1] += b.reduceLanes(VectorOperators.ADD);
    dw[i + 2] += c.reduceLanes(VectorOperators.ADD);
  }

  /** One tap, for the taps left over after the tiles of three. */
  private static void weightTap(
      float[] dyp,
      int d,
      int stride,
      float[] xp,
      int o,
      int s0,
      int s1,
      float[] dw,
      int m,
      int rows,
      int taps,
      int k) {
    for (int r = 0; r < rows; r++) {
      FloatVector a = FloatVector.zero(F);
      int dr = d + r * stride;
      for (int p = s0; p < s1; p += L) {
        a = FloatVector.fromArray(F, xp, o + p).fma(FloatVector.fromArray(F, dyp, dr + p), a);
      }
      dw[(m + r) * taps + k] += a.reduceLanes(VectorOperators.ADD);
    }
  }
}
