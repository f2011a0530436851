package dev.quiver.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.backend.View;
import dev.quiver.runtime.memory.MemoryScope;
import dev.quiver.runtime.memory.Storage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every error names the op and the values involved, so a notebook user can fix the call without a
 * debugger.
 */
class ErrorMessagesTest {

  static String message(Class<? extends Throwable> type, Executable call) {
    return assertThrows(type, call).getMessage();
  }

  static void assertMentions(String msg, String... parts) {
    for (String p : parts) {
      assertTrue(msg.contains(p), "expected \"" + p + "\" in: " + msg);
    }
  }

  @Test
  void matmulInnerSizes() {
    assertEquals(
        "matmul: [3,4] x [5,2]: inner sizes 4 and 5 differ",
        message(
            IllegalArgumentException.class, () -> Tensor.zeros(3, 4).matmul(Tensor.zeros(5, 2))));
    assertEquals(
        "matmul: [4] x [3]: inner sizes 4 and 3 differ",
        message(IllegalArgumentException.class, () -> Tensor.zeros(4).matmul(Tensor.zeros(3))));
    assertEquals(
        "matmul: [2,3,4] x [2,5,6]: inner sizes 4 and 5 differ",
        message(
            IllegalArgumentException.class,
            () -> Tensor.zeros(2, 3, 4).matmul(Tensor.zeros(2, 5, 6))));
  }

  @Test
  void matmulBatchAxes() {
    String msg =
        message(
            IllegalArgumentException.class,
            () -> Tensor.zeros(2, 3, 4).matmul(Tensor.zeros(3, 4, 5)));
    assertMentions(msg, "matmul", "[2,3,4]", "[3,4,5]", "batch");
  }

  @Test
  void matmulScalarsAndTypes() {
    assertMentions(
        message(IllegalArgumentException.class, () -> Tensor.scalar(2).matmul(Tensor.zeros(2))),
        "matmul",
        "[]",
        "[2]",
        "mul");
    assertMentions(
        message(
            IllegalArgumentException.class, () -> Tensor.ofInts(1, 2).matmul(Tensor.ofInts(1, 2))),
        "matmul",
        "int32");
  }

  @Test
  void broadcasting() {
    assertEquals(
        "add: shapes [3,4] and [5] cannot be broadcast: sizes 4 and 5 differ at axis 1",
        message(IllegalArgumentException.class, () -> Tensor.zeros(3, 4).add(Tensor.zeros(5))));
    assertMentions(
        message(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).mul(Tensor.zeros(3, 2))),
        "mul",
        "[2,3]",
        "[3,2]");
    assertMentions(
        message(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).lt(Tensor.zeros(4))),
        "lt",
        "[2,3]",
        "[4]");
    assertMentions(
        message(
            IllegalArgumentException.class,
            () -> Tensor.where(Tensor.zeros(3), Tensor.zeros(4), Tensor.zeros(4))),
        "where",
        "[3]",
        "[4]");
    assertMentions(
        message(IllegalArgumentException.class, () -> Tensor.zeros(3).copyFrom(Tensor.zeros(4))),
        "copyFrom",
        "[3]",
        "[4]");
  }

  @Test
  void reshape() {
    assertEquals(
        "reshape: cannot reshape [3,4] (12 elements) into [5,3] (15 elements)",
        message(IllegalArgumentException.class, () -> Tensor.zeros(3, 4).reshape(5, 3)));
    assertEquals(
        "reshape: cannot reshape [3,4] (12 elements) into [5,-1]",
        message(IllegalArgumentException.class, () -> Tensor.zeros(3, 4).reshape(5, -1)));
    assertMentions(
        message(IllegalArgumentException.class, () -> Tensor.zeros(3, 4).reshape(-1, -1)),
        "reshape",
        "-1");
    assertMentions(
        message(IllegalArgumentException.class, () -> Tensor.zeros(3, 4).reshape(-2, -6)),
        "reshape",
        "negative");
  }

  @Test
  void badAxes() {
    assertEquals(
        "sum: axis 2 is out of range for a tensor of rank 2",
        message(IllegalArgumentException.class, () -> Tensor.zeros(3, 4).sum(2)));
    assertEquals(
        "max: axis -3 is out of range for a tensor of rank 2",
        message(IllegalArgumentException.class, () -> Tensor.zeros(3, 4).max(-3)));
    assertMentions(
        message(
            IllegalArgumentException.class, () -> Tensor.zeros(3, 4).sum(new int[] {1, -1}, false)),
        "sum",
        "axis -1 given twice");
    // The op the user called, the dim and the shape (not logSoftmax or max inside it).
    assertEquals(
        "softmax(5): dim 5 is out of range for a tensor of shape [3,4] (rank 2: dims -2 to 1)",
        message(IllegalArgumentException.class, () -> Tensor.zeros(3, 4).softmax(5)));
    assertEquals(
        "logSoftmax(-3): dim -3 is out of range for a tensor of shape [3,4] (rank 2: dims -2 to"
            + " 1)",
        message(IllegalArgumentException.class, () -> Tensor.zeros(3, 4).logSoftmax(-3)));
    assertMentions(
        message(IllegalArgumentException.class, () -> Tensor.zeros(2, 3, 4).softmax(3)),
        "softmax(3)",
        "shape [2,3,4]");
    assertMentions(
        message(IllegalArgumentException.class, () -> Tensor.zeros(3, 4).argmax(5)),
        "argmax",
        "axis 5");
    assertMentions(
        message(IllegalArgumentException.class, () -> Tensor.zeros(3, 4).transpose(0, 2)),
        "transpose",
        "axis 2");
    assertMentions(
        message(IllegalArgumentException.class, () -> Tensor.zeros(3, 4).permute(0)),
        "permute",
        "[3,4]");
    assertMentions(
        message(IllegalArgumentException.class, () -> Tensor.zeros(3, 4).permute(0, 0)),
        "permute",
        "appears twice");
    assertMentions(
        message(IllegalArgumentException.class, () -> Tensor.zeros(3, 4).squeeze(0)),
        "squeeze",
        "size 3",
        "[3,4]");
    assertMentions(
        message(IllegalArgumentException.class, () -> Tensor.zeros(3, 4).unsqueeze(4)),
        "unsqueeze",
        "axis 4");
    assertMentions(
        message(IllegalArgumentException.class, () -> Tensor.zeros(3, 4).slice(2, 0, 1)),
        "slice",
        "axis 2");
    assertMentions(
        message(IllegalArgumentException.class, () -> Tensor.zeros(3, 4).slice(0, 0, 1, 0)),
        "slice",
        "step");
    assertMentions(
        message(IndexOutOfBoundsException.class, () -> Tensor.zeros(3, 4).select(0, 3)),
        "select",
        "index 3",
        "size 3");
    assertMentions(
        message(IllegalArgumentException.class, () -> Tensor.zeros(3, 0).max(1)),
        "max",
        "[3,0]",
        "empty");
  }

  @Test
  void expand() {
    assertEquals(
        "expand: cannot expand [3,2] to [3,4]: axis 1 has size 2, not 1",
        message(IllegalArgumentException.class, () -> Tensor.zeros(3, 2).expand(3, 4)));
    assertMentions(
        message(IllegalArgumentException.class, () -> Tensor.zeros(3, 2).expand(2)),
        "expand",
        "[3,2]",
        "[2]");
    // -1 keeps an existing size; a new leading axis has none to keep.
    assertMentions(
        message(IllegalArgumentException.class, () -> Tensor.zeros(2).expand(-1, 2)),
        "expand",
        "[2]",
        "[-1,2]");
    assertMentions(
        message(IllegalArgumentException.class, () -> Tensor.zeros(1, 2).expand(-3, 2)),
        "expand",
        "[1,2]",
        "[-3,2]");
  }

  @Test
  void indexingAndJoining() {
    assertMentions(
        message(
            IllegalArgumentException.class,
            () -> Tensor.zeros(3, 4).gather(1, Tensor.ofInts(0, 1))),
        "gather",
        "[2]",
        "[3,4]");
    assertMentions(
        message(
            IllegalArgumentException.class,
            () -> Tensor.zeros(3, 4).gather(1, Tensor.of(new float[] {0, 1}, 2, 1))),
        "gather",
        "int32",
        "float32");
    assertMentions(
        message(
            IndexOutOfBoundsException.class,
            () -> Tensor.zeros(3, 4).gather(1, Tensor.ofInts(new int[] {4}, 1, 1))),
        "gather",
        "index 4",
        "size 4");
    assertMentions(
        message(
            IndexOutOfBoundsException.class,
            () -> Tensor.zeros(3, 4).indexSelect(0, Tensor.ofInts(3))),
        "indexSelect",
        "index 3",
        "[3,4]");
    assertMentions(
        message(
            IllegalArgumentException.class,
            () -> Tensor.concat(0, Tensor.zeros(2, 3), Tensor.zeros(2, 4))),
        "concat",
        "[2,3]",
        "[2,4]",
        "axis 1");
    assertMentions(
        message(
            IllegalArgumentException.class,
            () -> Tensor.concat(0, Tensor.zeros(2, 3), Tensor.zeros(3))),
        "concat",
        "[2,3]",
        "[3]");
    assertMentions(
        message(
            IllegalArgumentException.class,
            () -> Tensor.stack(0, Tensor.zeros(2, 3), Tensor.zeros(3, 2))),
        "stack",
        "[2,3]",
        "[3,2]");
    assertMentions(message(IllegalArgumentException.class, () -> Tensor.concat(0)), "concat");
  }

  @Test
  void dtypeMismatch() {
    assertEquals(
        "add: operands have different types, float32 and float64; convert one with to(DType)",
        message(IllegalArgumentException.class, () -> Tensor.zeros(2).add(Tensor.of(1.0, 2.0))));
    assertMentions(
        message(
            IllegalArgumentException.class,
            () -> Tensor.zeros(2, 2).matmul(Tensor.zeros(DType.FLOAT64, 2, 2))),
        "matmul",
        "float32",
        "float64");
    assertMentions(
        message(
            IllegalArgumentException.class, () -> Tensor.zeros(2).addInPlace(Tensor.ofInts(1, 2))),
        "addInPlace",
        "float32",
        "int32");
    assertMentions(
        message(
            IllegalArgumentException.class,
            () -> Tensor.concat(0, Tensor.zeros(2), Tensor.zeros(DType.INT32, 2))),
        "concat",
        "float32",
        "int32");
    assertMentions(
        message(IllegalArgumentException.class, () -> Tensor.ofInts(1).requiresGrad()),
        "requiresGrad",
        "int32");
  }

  /** Memory on a device with no backend loaded: enough to reach the ops' device checks. */
  record FakeDeviceStorage(Device device) implements Storage {
    @Override
    public long byteSize() {
      return 8;
    }

    @Override
    public boolean isReleased() {
      return false;
    }

    @Override
    public void release() {}

    @Override
    public MemoryScope owner() {
      return null;
    }

    @Override
    public void moveTo(MemoryScope target) {}
  }

  @Test
  void deviceMismatch() {
    View gpuView =
        new View(
            new FakeDeviceStorage(Device.cuda(0)),
            DType.FLOAT32,
            new long[] {2},
            new long[] {1},
            0);
    Tensor gpu = Tensor.fromView(gpuView);
    Tensor cpu = Tensor.zeros(Device.CPU, DType.FLOAT32, 2);
    assertEquals(
        "add: operands are on different devices: cpu and cuda:0; move one with .to(Device)",
        message(IllegalArgumentException.class, () -> cpu.add(gpu)));
    assertMentions(
        message(IllegalArgumentException.class, () -> cpu.matmul(gpu)), "matmul", "cpu", "cuda:0");
    assertMentions(
        message(IllegalArgumentException.class, () -> cpu.copyFrom(gpu)),
        "copyFrom",
        "cpu",
        "cuda:0");
    assertMentions(
        message(IllegalArgumentException.class, () -> Tensor.where(gpu, cpu, cpu)),
        "where",
        "cuda:0");
    assertMentions(message(IllegalStateException.class, gpuView::hostSegment), "cuda:0");
  }

  @Test
  void readingValues() {
    assertEquals(
        "item: the tensor has 6 elements (shape [2,3]), item() needs exactly one",
        message(IllegalStateException.class, () -> Tensor.zeros(2, 3).item()));
    assertEquals(
        "get: 1 indices for a tensor of rank 2",
        message(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).get(1)));
    assertEquals(
        "get: index 3 is out of range for axis 1 of size 3",
        message(IndexOutOfBoundsException.class, () -> Tensor.zeros(2, 3).get(0, 3)));
    assertEquals(
        "set: index -3 is out of range for axis 0 of size 2",
        message(IndexOutOfBoundsException.class, () -> Tensor.zeros(2, 3).set(1, -3, 0)));
    assertMentions(
        message(IllegalArgumentException.class, () -> Tensor.zeros(2).clamp(1, 0)),
        "clamp",
        "1.0",
        "0.0");
  }

  @Test
  void autodiff() {
    assertMentions(
        message(IllegalStateException.class, () -> Tensor.zeros(2).sum().backward()),
        "backward",
        "requiresGrad");
    Tensor w = Tensor.ones(2, 3).requiresGrad();
    assertMentions(
        message(IllegalArgumentException.class, () -> w.mul(2).backward()),
        "backward",
        "[2,3]",
        "single value");
    assertMentions(
        message(IllegalArgumentException.class, () -> w.mul(2).backward(Tensor.ones(3, 2))),
        "backward",
        "[3,2]",
        "[2,3]");
  }
}
