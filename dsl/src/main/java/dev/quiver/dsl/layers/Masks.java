package dev.quiver.dsl.layers;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import java.util.Arrays;

/**
 * Masks for padded batches of sequences: 1 at a real step, 0 at padding, [batch, seq] in the
 * sequence's floating type. The recurrent layers take one ({@link Recurrent#apply(Tensor,
 * Tensor)}); {@link #meanPool} and {@link #mean} average over the real steps only, so padding
 * changes neither a pooled vector nor a loss.
 *
 * <pre>{@code
 * Tensor mask = Masks.padding(ids, vocab.padId());          // ids int32 [batch, seq]
 * Tensor h = lstm.apply(embedding.apply(ids), mask);        // [batch, seq, hidden], 0 at padding
 * Tensor pooled = Masks.meanPool(h, mask);                  // [batch, hidden]
 * }</pre>
 */
public final class Masks {
  private Masks() {}

  /** 1 where {@code ids} (int32 [batch, seq]) is not {@code pad}, else 0; float32. */
  public static Tensor padding(Tensor ids, int pad) {
    if (ids.dim() != 2) {
      throw new IllegalArgumentException(
          "Masks.padding: expects token ids [batch, seq], got " + ids.shapeString());
    }
    return ids.ne(pad).to(DType.FLOAT32);
  }

  /**
   * [batch, seq] with 1 at the first {@code lengths[i]} steps of row i (int32 lengths [batch]),
   * float32, on the lengths' device.
   */
  public static Tensor fromLengths(Tensor lengths, long seq) {
    if (lengths.dim() != 1) {
      throw new IllegalArgumentException(
          "Masks.fromLengths: expects lengths [batch], got " + lengths.shapeString());
    }
    int[] len = lengths.toIntArray();
    float[] m = new float[Math.toIntExact(len.length * seq)];
    for (int i = 0; i < len.length; i++) {
      if (len[i] < 0 || len[i] > seq) {
        throw new IllegalArgumentException(
            "Masks.fromLengths: length "
                + len[i]
                + " of row "
                + i
                + " is outside 0.."
                + seq
                + " (the sequence length)");
      }
      Arrays.fill(m, (int) (i * seq), (int) (i * seq + len[i]), 1f);
    }
    return Tensor.of(m, len.length, seq).to(lengths.device());
  }

  /** The number of real steps of each row of a mask [batch, seq], as int32 [batch]. */
  public static Tensor lengths(Tensor mask) {
    return mask.sum(1).to(DType.INT32);
  }

  /**
   * The mean over real steps of {@code h} [batch, seq, features]: Σ_t m_t·h_t / Σ_t m_t, [batch,
   * features]. A row without a real step gives zeros.
   */
  public static Tensor meanPool(Tensor h, Tensor mask) {
    if (h.dim() != 3) {
      throw new IllegalArgumentException(
          "Masks.meanPool: expects [batch, seq, features], got " + h.shapeString());
    }
    Tensor m = like("Masks.meanPool", mask, h.size(0), h.size(1), h);
    Tensor sum = h.mul(m.unsqueeze(2)).sum(1);
    return sum.div(m.sum(1, true).maximum(1));
  }

  /**
   * The mean of per-step values {@code v} [batch, seq] over the real steps of {@code mask}: a
   * masked loss, Σ m·v / Σ m (0 when the batch has no real step).
   */
  public static Tensor mean(Tensor v, Tensor mask) {
    if (v.dim() != 2) {
      throw new IllegalArgumentException(
          "Masks.mean: expects per-step values [batch, seq], got " + v.shapeString());
    }
    Tensor m = like("Masks.mean", mask, v.size(0), v.size(1), v);
    return v.mul(m).sum().div(m.sum().maximum(1));
  }

  /** A mask [batch, seq] of {@code like}'s type and device, from a mask or int32 lengths. */
  static Tensor like(String who, Tensor mask, long n, long len, Tensor like) {
    Tensor m = mask.dim() == 1 && mask.dtype() == DType.INT32 ? fromLengths(mask, len) : mask;
    if (m.dim() != 2 || m.size(0) != n || m.size(1) != len) {
      throw new IllegalArgumentException(
          who
              + ": the mask has shape "
              + mask.shapeString()
              + ", expected [batch, seq] = ["
              + n
              + ", "
              + len
              + "] or int32 lengths ["
              + n
              + "]");
    }
    if (!m.device().equals(like.device())) {
      throw new IllegalArgumentException(
          who + ": the mask is on " + m.device() + ", the values on " + like.device());
    }
    return m.dtype() == like.dtype() ? m : m.to(like.dtype());
  }

  /**
   * For the recurrent layers: a mask given in the input's layout ([batch, seq], or [seq, batch]
   * time-first), as [batch, seq] of the sequence's type.
   */
  static Tensor of(String who, Tensor mask, long n, long len, boolean batchFirst, Tensor like) {
    Tensor m = !batchFirst && mask.dim() == 2 ? mask.transpose(0, 1) : mask;
    return like(who, m, n, len, like);
  }
}
