package dev.quiver.dsl.data;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Batches of a data set, shuffled, transformed and prefetched: torch's {@code DataLoader}. A
 * background thread cuts and transforms the next batches while the training thread computes, so
 * training never waits on data; the batches are those of {@link Dataset#batches(int, Long)} (the
 * same order for the same seed), with the {@link Transform} applied to x. {@code model.fit} loads
 * this way itself ({@code Fit.augment}); a loop of your own iterates a loader:
 *
 * <pre>{@code
 * var loader = Loader.of(train, 64).shuffle(7).transform(Transforms.randomHorizontalFlip(0.5));
 * for (int epoch = 0; epoch < 5; epoch++) {
 *   for (Batch b : loader) { ... }       // each pass is a new epoch, in a new order
 * }
 * }</pre>
 *
 * Rows are copied straight from the data set's host memory on the background thread: no tensor
 * operation runs there. Data on a GPU is batched on the calling thread instead, without prefetch.
 */
public final class Loader implements Iterable<Batch> {
  private static final Object END = new Object();

  private final Dataset data;
  private final int batchSize;
  private final Long seed;
  private final Transform transform;
  private final int prefetch;
  private int epochs;

  private Loader(Dataset data, int batchSize, Long seed, Transform transform, int prefetch) {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("Loader: batch size must be positive, got " + batchSize);
    }
    if (prefetch < 0) {
      throw new IllegalArgumentException("Loader: prefetch must be >= 0, got " + prefetch);
    }
    if (transform != null && (data.x().dtype() != DType.FLOAT32 || data.x().dim() != 4)) {
      throw new IllegalArgumentException(
          "Loader: transforms take float32 images [n, C, H, W], the data set's x is "
              + data.x().dtype()
              + " of shape "
              + data.x().shapeString());
    }
    this.data = data;
    this.batchSize = batchSize;
    this.seed = seed;
    this.transform = transform;
    this.prefetch = prefetch;
  }

  /** Batches of {@code batchSize} rows in order, two prefetched, no transform. */
  public static Loader of(Dataset data, int batchSize) {
    return new Loader(data, batchSize, null, null, 2);
  }

  /** A new random order every epoch, drawn from {@code seed}. */
  public Loader shuffle(long seed) {
    return new Loader(data, batchSize, seed, transform, prefetch);
  }

  /** Applies {@code t} to the images of every batch (a new random draw each time). */
  public Loader transform(Transform t) {
    return new Loader(data, batchSize, seed, t, prefetch);
  }

  /** How many batches the background thread prepares ahead; 0 prepares them on demand. */
  public Loader prefetch(int batches) {
    return new Loader(data, batchSize, seed, transform, batches);
  }

  public int batchCount() {
    return data.batchCount(batchSize);
  }

  /** The next epoch's batches; seeded loaders draw a new order for every epoch. */
  @Override
  public Epoch iterator() {
    long e = epochs++;
    SplittableRandom r = new SplittableRandom(seed == null ? 0 : seed);
    long orderSeed = r.nextLong();
    for (long i = 0; i < e; i++) {
      orderSeed = r.nextLong();
    }
    return epoch(seed == null ? null : orderSeed, orderSeed ^ 0x5DEECE66DL);
  }

  /**
   * One pass in the order {@code orderSeed} draws ({@code null}: row order), transforms drawing
   * from {@code transformSeed}. Close it when leaving early, so that its thread stops.
   */
  public Epoch epoch(Long orderSeed, long transformSeed) {
    int n = Math.toIntExact(data.size());
    int[] order = orderSeed == null ? Dataset.identity(n) : Dataset.permutation(n, orderSeed);
    return new Epoch(order, new SplittableRandom(transformSeed));
  }

  /** The batches of one epoch. */
  public final class Epoch implements Iterator<Batch>, AutoCloseable {
    private final int[] order;
    private final SplittableRandom random;
    private final BlockingQueue<Object> queue;
    private final Thread worker;
    private volatile boolean closed;
    private int nextStart;
    private Object ready;

    private Epoch(int[] order, SplittableRandom random) {
      this.order = order;
      this.random = random;
      boolean background =
          prefetch > 0
              && data.x().device().equals(Device.CPU)
              && data.y().device().equals(Device.CPU);
      if (background) {
        queue = new ArrayBlockingQueue<>(prefetch);
        worker = Thread.ofPlatform().daemon().name("quiver-loader").unstarted(this::produce);
        worker.start();
      } else {
        queue = null;
        worker = null;
      }
    }

    private void produce() {
      try {
        for (int start = 0; start < order.length && !closed; start += batchSize) {
          Batch b = cut(start);
          while (!closed && !queue.offer(b, 100, TimeUnit.MILLISECONDS)) {
            // The consumer is busy; wait for room unless it went away.
          }
        }
        put(END);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException | Error e) {
        put(e);
      }
    }

    private void put(Object o) {
      try {
        while (!closed && !queue.offer(o, 100, TimeUnit.MILLISECONDS)) {
          // wait for room
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private Batch cut(int start) {
      int[] rows = Arrays.copyOfRange(order, start, Math.min(order.length, start + batchSize));
      Tensor x = gather(data.x(), rows);
      if (transform != null) {
        long[] s = x.shape();
        int c = (int) s[1];
        int h = (int) s[2];
        int w = (int) s[3];
        float[] v = transform.apply(x.toFloatArray(), rows.length, c, h, w, random.split());
        int[] o = transform.outputShape(c, h, w);
        x = Tensor.of(v, rows.length, o[0], o[1], o[2]);
      }
      return new Batch(x, gather(data.y(), rows));
    }

    @Override
    public boolean hasNext() {
      if (queue == null) {
        return nextStart < order.length;
      }
      if (ready == null) {
        try {
          ready = queue.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          close();
          return false;
        }
      }
      if (ready instanceof RuntimeException e) {
        throw e;
      }
      if (ready instanceof Error e) {
        throw e;
      }
      return ready != END;
    }

    @Override
    public Batch next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      if (queue == null) {
        Batch b = cut(nextStart);
        nextStart += batchSize;
        return b;
      }
      Batch b = (Batch) ready;
      ready = null;
      return b;
    }

    /** Stops the background thread (at once if it waits for room, else after its batch). */
    @Override
    public void close() {
      closed = true;
      if (queue != null) {
        queue.clear();
      }
    }
  }

  /** The rows of t at these indices, copied on the host (or by indexSelect off the host). */
  static Tensor gather(Tensor t, int[] rows) {
    long[] shape = t.shape();
    shape[0] = rows.length;
    if (!t.device().equals(Device.CPU)) {
      return t.indexSelect(0, Tensor.ofInts(rows).to(t.device()));
    }
    Tensor src = t.isContiguous() ? t : t.contiguous();
    int per = Math.toIntExact(src.numel() / src.size(0));
    MemorySegment seg = src.view().hostSegment();
    long base = src.offset();
    switch (src.dtype()) {
      case FLOAT32 -> {
        float[] out = new float[rows.length * per];
        for (int i = 0; i < rows.length; i++) {
          MemorySegment.copy(
              seg, ValueLayout.JAVA_FLOAT, (base + (long) rows[i] * per) * 4, out, i * per, per);
        }
        return Tensor.of(out, shape);
      }
      case FLOAT64 -> {
        double[] out = new double[rows.length * per];
        for (int i = 0; i < rows.length; i++) {
          MemorySegment.copy(
              seg, ValueLayout.JAVA_DOUBLE, (base + (long) rows[i] * per) * 8, out, i * per, per);
        }
        return Tensor.of(out, shape);
      }
      case INT32 -> {
        int[] out = new int[rows.length * per];
        for (int i = 0; i < rows.length; i++) {
          MemorySegment.copy(
              seg, ValueLayout.JAVA_INT, (base + (long) rows[i] * per) * 4, out, i * per, per);
        }
        return Tensor.ofInts(out, shape);
      }
      default -> {
        return t.indexSelect(0, Tensor.ofInts(rows));
      }
    }
  }
}
