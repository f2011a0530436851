package dev.quiver.runtime.backend.cuda;

import static dev.quiver.runtime.backend.cuda.CudaTestSupport.assertClose;
import static dev.quiver.runtime.backend.cuda.CudaTestSupport.gpu;
import static dev.quiver.runtime.backend.cuda.CudaTestSupport.hostRandom;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Autodiff through a small MLP on the GPU gives the CPU's loss and gradients: the ops layer and
 * autograd are unchanged, only the backend differs. Needs device-aware allocation in Tensor (the
 * device plumbing), so on a GPU machine it checks the two together.
 */
class CudaAutogradTest {
  @Test
  void mlpGradientsMatchTheCpu() {
    gpu();
    Device cuda = Device.cuda(0);
    Tensor x = random(DType.FLOAT32, 1, -1, 1, 32, 20);
    Tensor labels = random(DType.INT32, 2, 0, 9, 32, 1);
    Tensor w1 = random(DType.FLOAT32, 3, -0.3, 0.3, 20, 64).requiresGrad();
    Tensor b1 = random(DType.FLOAT32, 4, -0.1, 0.1, 64).requiresGrad();
    Tensor w2 = random(DType.FLOAT32, 5, -0.3, 0.3, 64, 10).requiresGrad();
    Tensor gw1 = w1.to(cuda).detach().requiresGrad();
    Tensor gb1 = b1.to(cuda).detach().requiresGrad();
    Tensor gw2 = w2.to(cuda).detach().requiresGrad();

    Tensor loss = loss(x, labels, w1, b1, w2);
    Tensor gLoss = loss(x.to(cuda), labels.to(cuda), gw1, gb1, gw2);
    loss.backward();
    gLoss.backward();

    assertClose(loss.view(), gLoss.to(Device.CPU).view(), 1e-5, "loss");
    assertClose(w1.grad().view(), gw1.grad().to(Device.CPU).view(), 1e-4, "dL/dw1");
    assertClose(b1.grad().view(), gb1.grad().to(Device.CPU).view(), 1e-4, "dL/db1");
    assertClose(w2.grad().view(), gw2.grad().to(Device.CPU).view(), 1e-4, "dL/dw2");
  }

  private static Tensor random(DType t, long seed, double lo, double hi, long... shape) {
    return Tensor.fromView(hostRandom(t, seed, lo, hi, shape));
  }

  /** Mean negative log-likelihood of a two-layer relu network. */
  private static Tensor loss(Tensor x, Tensor labels, Tensor w1, Tensor b1, Tensor w2) {
    Tensor logits = x.matmul(w1).add(b1).relu().matmul(w2);
    return logits.logSoftmax(1).gather(1, labels).neg().mean();
  }
}
