package dev.quiver.runtime.backend.cuda;

import static dev.quiver.runtime.backend.cuda.CudaTestSupport.assertClose;
import static dev.quiver.runtime.backend.cuda.CudaTestSupport.cpu;
import static dev.quiver.runtime.backend.cuda.CudaTestSupport.gpu;
import static dev.quiver.runtime.backend.cuda.CudaTestSupport.gpuEmpty;
import static dev.quiver.runtime.backend.cuda.CudaTestSupport.hostEmpty;
import static dev.quiver.runtime.backend.cuda.CudaTestSupport.hostRandom;
import static dev.quiver.runtime.backend.cuda.CudaTestSupport.tolerance;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.backend.ConvGeometry;
import dev.quiver.runtime.backend.PoolAxis;
import dev.quiver.runtime.backend.PoolGeometry;
import dev.quiver.runtime.backend.View;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The CUDA backend's convolution and pooling (conv.cu's kernels, and the convolutions composed of
 * them and cuBLAS) against the CPU backend, float32 and float64, on geometries with stride,
 * padding, dilation, groups and uneven sizes. Skipped where no GPU is usable; {@link
 * EmulatedCudaConvolutionTest} runs the same on the emulated driver.
 */
class CudaConvolutionTest {
  private static final DType[] TYPES = {DType.FLOAT32, DType.FLOAT64};

  /** The backend under test: the real GPU here. */
  protected CudaBackend backend() {
    return gpu();
  }

  static final List<ConvGeometry> GEOMETRIES =
      List.of(
          // batch, in, h, w, out, kh, kw, stride, pad, dilation, groups, outH, outW
          new ConvGeometry(2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 7, 6),
          new ConvGeometry(3, 4, 9, 8, 6, 3, 2, 2, 3, 1, 0, 2, 1, 2, 3, 2),
          new ConvGeometry(2, 4, 5, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1, 4, 5, 5),
          new ConvGeometry(2, 5, 4, 6, 3, 1, 1, 1, 1, 0, 0, 1, 1, 1, 4, 6),
          new ConvGeometry(1, 2, 1, 11, 3, 1, 4, 1, 2, 0, 2, 1, 1, 1, 1, 6));

  @Test
  void convolutionsMatchTheCpu() {
    CudaBackend g = backend();
    for (DType t : TYPES) {
      for (ConvGeometry geo : GEOMETRIES) {
        long[] xs = {geo.batch(), geo.inChannels(), geo.inH(), geo.inW()};
        long[] ws = {geo.outChannels(), geo.groupInChannels(), geo.kernelH(), geo.kernelW()};
        long[] ys = {geo.batch(), geo.outChannels(), geo.outH(), geo.outW()};
        View x = hostRandom(t, 1, -2, 2, xs);
        View w = hostRandom(t, 2, -2, 2, ws);
        View dy = hostRandom(t, 3, -2, 2, ys);
        View gx = g.fromHost(x);
        View gw = g.fromHost(w);
        View gdy = g.fromHost(dy);
        String what = t + " " + geo;

        View y = hostEmpty(t, ys);
        View yg = gpuEmpty(g, t, ys);
        cpu().conv2d(x, w, y, geo);
        g.conv2d(gx, gw, yg, geo);
        assertClose(y, g.toHost(yg), tolerance(t) * 10, "conv2d " + what);

        View dx = hostEmpty(t, xs);
        View dxg = gpuEmpty(g, t, xs);
        cpu().conv2dBackwardInput(dy, w, dx, geo);
        g.conv2dBackwardInput(gdy, gw, dxg, geo);
        assertClose(dx, g.toHost(dxg), tolerance(t) * 10, "input gradient " + what);

        View dw = hostEmpty(t, ws);
        View dwg = gpuEmpty(g, t, ws);
        cpu().conv2dBackwardWeight(x, dy, dw, geo);
        g.conv2dBackwardWeight(gx, gdy, dwg, geo);
        assertClose(dw, g.toHost(dwg), tolerance(t) * 10, "weight gradient " + what);
      }
    }
  }

  static final List<PoolGeometry> POOLS =
      List.of(
          new PoolGeometry(
              6, PoolAxis.regular(5, 3, 3, 2, 1), PoolAxis.regular(7, 4, 3, 2, 1), true),
          new PoolGeometry(
              6, PoolAxis.regular(5, 3, 3, 2, 1), PoolAxis.regular(7, 4, 3, 2, 1), false),
          new PoolGeometry(
              4, PoolAxis.regular(8, 4, 2, 2, 0), PoolAxis.regular(9, 3, 3, 3, 0), true),
          new PoolGeometry(3, PoolAxis.adaptive(5, 3), PoolAxis.adaptive(7, 4), false),
          new PoolGeometry(2, PoolAxis.unit(), PoolAxis.regular(11, 6, 3, 2, 1), true));

  @Test
  void poolingMatchesTheCpu() {
    CudaBackend g = backend();
    for (DType t : TYPES) {
      for (PoolGeometry p : POOLS) {
        long[] in = {p.planes(), p.inPixels()};
        long[] out = {p.planes(), p.outPixels()};
        View x = hostRandom(t, 4, -3, 3, in);
        View dy = hostRandom(t, 5, -3, 3, out);
        View gx = g.fromHost(x);
        View gdy = g.fromHost(dy);
        String what = t + " " + p;

        View y = hostEmpty(t, out);
        View yg = gpuEmpty(g, t, out);
        View idx = hostEmpty(DType.INT32, out);
        View idxg = gpuEmpty(g, DType.INT32, out);
        cpu().maxPool2d(x, y, idx, p);
        g.maxPool2d(gx, yg, idxg, p);
        assertClose(y, g.toHost(yg), 0, "maxPool2d " + what);
        assertClose(idx, g.toHost(idxg), 0, "maxPool2d argmax " + what);

        View dx = hostEmpty(t, in);
        View dxg = gpuEmpty(g, t, in);
        cpu().maxPool2dBackward(dy, idx, dx, p);
        g.maxPool2dBackward(gdy, idxg, dxg, p);
        assertClose(dx, g.toHost(dxg), tolerance(t), "maxPool2d backward " + what);

        cpu().avgPool2d(x, y, p);
        g.avgPool2d(gx, yg, p);
        assertClose(y, g.toHost(yg), tolerance(t), "avgPool2d " + what);

        cpu().avgPool2dBackward(dy, dx, p);
        g.avgPool2dBackward(gdy, dxg, p);
        assertClose(dx, g.toHost(dxg), tolerance(t), "avgPool2d backward " + what);
      }
    }
  }
}
