package dev.quiver.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.quiver.runtime.ConvOptions;
import dev.quiver.runtime.PadMode;
import dev.quiver.runtime.PoolOptions;
import dev.quiver.runtime.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad input to the convolution and pooling ops: each error names the op, the shapes, the settings.
 */
class ConvolutionErrorsTest {

  private static void fails(String message, Executable call) {
    var e = assertThrows(IllegalArgumentException.class, call);
    assertEquals(message, e.getMessage());
  }

  @Test
  void channelMismatch() {
    fails(
        "conv2d: input [2,3,8,8] has 3 channels, but weight [4,2,3,3] with groups 1 expects 2"
            + " (weight is [out, in / groups, kh, kw])",
        () -> Tensor.zeros(2, 3, 8, 8).conv2d(Tensor.zeros(4, 2, 3, 3)));
    fails(
        "convTranspose2d: input [2,3,8,8] has 3 channels, but weight [4,2,3,3] expects 4"
            + " (weight is [in, out / groups, kh, kw])",
        () ->
            Tensor.zeros(2, 3, 8, 8)
                .convTranspose2d(Tensor.zeros(4, 2, 3, 3), null, ConvOptions.defaults()));
  }

  @Test
  void kernelLargerThanThePaddedInput() {
    fails(
        "conv2d: the kernel's height (3, dilated to 5) is larger than the padded input's (4):"
            + " input [1,1,2,9], weight [1,1,3,3], padding 1",
        () ->
            Tensor.zeros(1, 1, 2, 9)
                .conv2d(
                    Tensor.zeros(1, 1, 3, 3), null, ConvOptions.defaults().padding(1).dilation(2)));
    fails(
        "maxPool2d: the kernel's width (5) is larger than the padded input's (4): input [1,1,9,4],"
            + " kernel 5, stride 5, padding 0",
        () -> Tensor.zeros(1, 1, 9, 4).maxPool2d(5));
  }

  @Test
  void wrongRank() {
    fails(
        "conv2d: input must be 4-D [N, C, H, W], got shape [3,8,8]",
        () -> Tensor.zeros(3, 8, 8).conv2d(Tensor.zeros(4, 3, 3, 3)));
    fails(
        "conv1d: weight must be 3-D [out, in / groups, k], got shape [4,3,3,3]",
        () -> Tensor.zeros(2, 3, 8).conv1d(Tensor.zeros(4, 3, 3, 3), null, ConvOptions.defaults()));
    fails(
        "avgPool2d: input must be [N, C, H, W] or [C, H, W], got shape [8,8]",
        () -> Tensor.zeros(8, 8).avgPool2d(2));
  }

  @Test
  void badSettings() {
    fails(
        "conv2d: bias must have shape [4] (one per output channel), got [3]",
        () -> Tensor.zeros(1, 3, 8, 8).conv2d(Tensor.zeros(4, 3, 3, 3), Tensor.zeros(3), 1, 0));
    fails(
        "conv2d: groups 2 must divide both the input channels (4) and the output channels (3);"
            + " weight [3,2,3,3]",
        () ->
            Tensor.zeros(1, 4, 8, 8)
                .conv2d(Tensor.zeros(3, 2, 3, 3), null, ConvOptions.defaults().groups(2)));
    fails(
        "conv2d: padding \"same\" needs stride 1, got stride 2, padding same, dilation 1, groups 1"
            + " (as in torch)",
        () ->
            Tensor.zeros(1, 1, 8, 8)
                .conv2d(
                    Tensor.zeros(1, 1, 3, 3),
                    null,
                    ConvOptions.defaults().stride(2).paddingSame()));
    fails(
        "convTranspose2d: output padding 2 must be smaller than the stride or the dilation:"
            + " stride 2, padding 0, dilation 1, groups 1, output padding 2",
        () ->
            Tensor.zeros(1, 1, 4, 4)
                .convTranspose2d(
                    Tensor.zeros(1, 1, 3, 3),
                    null,
                    ConvOptions.defaults().stride(2).outputPadding(2)));
    fails(
        "maxPool2d: padding 2 must be at most half the kernel size 3 (height; kernel 3, stride 3,"
            + " padding 2)",
        () -> Tensor.zeros(1, 1, 9, 9).maxPool2d(PoolOptions.kernel(3).padding(2)));
    fails(
        "pad: reflect padding [3, 0] of shape [1,1,3,3]: axis 3 has size 3; pads must be smaller",
        () -> Tensor.zeros(1, 1, 3, 3).pad(new int[] {3, 0}, PadMode.REFLECT, 0));
  }

  @Test
  void typesMustAgree() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Tensor.zeros(1, 1, 4, 4)
                    .conv2d(Tensor.zeros(1, 1, 3, 3).to(dev.quiver.runtime.DType.FLOAT64)));
    assertEquals(
        "conv2d: operands have different types, float32 and float64; convert one with to(DType)",
        e.getMessage());
  }
}
