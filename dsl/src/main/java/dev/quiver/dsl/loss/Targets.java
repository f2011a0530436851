package dev.quiver.dsl.loss;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import java.util.Arrays;

/** Shape checks shared by the losses; errors name the loss and both shapes. */
final class Targets {
  private Targets() {}

  /** Named for the loss, not for the op deep inside it that would otherwise fail. */
  private static void sameDevice(String loss, Tensor prediction, Tensor target) {
    if (!prediction.device().equals(target.device())) {
      throw new IllegalArgumentException(
          loss
              + ": prediction and target are on different devices: "
              + prediction.device()
              + " and "
              + target.device()
              + "; move one with .to(Device)");
    }
  }

  /** The target with the prediction's shape and dtype: [N] is accepted for [N, 1] predictions. */
  static Tensor like(String loss, Tensor prediction, Tensor target) {
    sameDevice(loss, prediction, target);
    Tensor t = target;
    if (t.dim() == 1
        && prediction.dim() == 2
        && prediction.size(1) == 1
        && t.size(0) == prediction.size(0)) {
      t = t.reshape(t.size(0), 1);
    }
    if (!Arrays.equals(t.shape(), prediction.shape())) {
      throw new IllegalArgumentException(
          loss
              + ": prediction has shape "
              + prediction.shapeString()
              + " but target has "
              + target.shapeString());
    }
    return t.dtype() == prediction.dtype() ? t : t.to(prediction.dtype());
  }

  /** Class indices as int32 [N], checked against the number of classes. */
  static Tensor classIndices(String loss, Tensor logits, Tensor target) {
    sameDevice(loss, logits, target);
    if (logits.dim() != 2) {
      throw new IllegalArgumentException(
          loss + ": expects logits [batch, classes], got " + logits.shapeString());
    }
    long n = logits.size(0);
    long classes = logits.size(1);
    Tensor t = target.dim() == 2 && target.size(1) == 1 ? target.reshape(target.size(0)) : target;
    if (t.dim() != 1 || t.size(0) != n) {
      throw new IllegalArgumentException(
          loss
              + ": logits "
              + logits.shapeString()
              + " need class indices of shape ["
              + n
              + "], got "
              + target.shapeString()
              + (t.dim() == 2 && t.size(1) == classes
                  ? "; for one-hot targets use Loss.crossEntropyOneHot()"
                  : ""));
    }
    int[] labels;
    if (t.dtype() == DType.INT32) {
      labels = t.toIntArray();
    } else {
      double[] v = t.toDoubleArray();
      labels = new int[v.length];
      for (int i = 0; i < v.length; i++) {
        if (v[i] != Math.rint(v[i])) {
          throw new IllegalArgumentException(
              loss + ": label " + v[i] + " at row " + i + " is not a class index");
        }
        labels[i] = (int) v[i];
      }
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= classes) {
        throw new IllegalArgumentException(
            loss
                + ": label "
                + labels[i]
                + " at row "
                + i
                + " is out of range for "
                + classes
                + " classes (0.."
                + (classes - 1)
                + ")");
      }
    }
    return t.dtype() == DType.INT32 ? t : Tensor.ofInts(labels).to(t.device());
  }
}
