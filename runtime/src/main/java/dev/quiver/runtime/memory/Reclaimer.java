package dev.quiver.runtime.memory;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;

/**
 * Frees the native memory of GC-managed storages once they become unreachable: a {@link
 * java.lang.ref.Cleaner} of our own, whose queue the allocating threads drain too.
 *
 * <p>Why not {@code Cleaner}: with one cleaner thread, a loop of small GC-managed ops frees on
 * another thread than it allocates; under load that thread falls behind, native memory piles up
 * (gigabytes for a loop of 1000-element adds), and every free misses the allocating thread's malloc
 * cache. Here each managed allocation first frees a few unreachable storages itself ({@link
 * #drain}), which keeps freeing at the pace of allocating; a daemon thread still frees what is left
 * when no one allocates.
 */
final class Reclaimer {
  private static final ReferenceQueue<Object> QUEUE = new ReferenceQueue<>();
  private static final Object LOCK = new Object();

  /** Registered, not yet cleaned references: a doubly linked list keeps them reachable. */
  private static final Ref HEAD = new Ref();

  static {
    Thread t = new Thread(Reclaimer::run, "quiver-reclaimer");
    t.setDaemon(true);
    t.start();
  }

  private Reclaimer() {}

  /** Something that can be cleaned now or by the reclaimer later, once. */
  interface Cleanable {
    void clean();
  }

  static Cleanable register(Object referent, Runnable action) {
    Ref r = new Ref(referent, action);
    synchronized (LOCK) {
      r.next = HEAD.next;
      r.prev = HEAD;
      if (HEAD.next != null) {
        HEAD.next.prev = r;
      }
      HEAD.next = r;
    }
    return r;
  }

  /** Frees up to {@code max} unreachable storages on this thread; cheap when there are none. */
  static void drain(int max) {
    for (int i = 0; i < max; i++) {
      Ref r = (Ref) QUEUE.poll();
      if (r == null) {
        return;
      }
      r.clean();
    }
  }

  /**
   * Frees every storage the last collection found unreachable, waiting briefly for the queue to
   * fill.
   */
  static void drainAll(long waitMillis) {
    try {
      Ref r;
      while ((r = (Ref) QUEUE.remove(waitMillis)) != null) {
        r.clean();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void run() {
    while (true) {
      try {
        ((Ref) QUEUE.remove()).clean();
      } catch (Throwable ignored) {
        // Keep freeing: one failed release must not leak everything after it.
      }
    }
  }

  private static final class Ref extends PhantomReference<Object> implements Cleanable {
    private final Runnable action;
    private Ref prev;
    private Ref next;

    private Ref() {
      super(null, null);
      this.action = null;
    }

    Ref(Object referent, Runnable action) {
      super(referent, QUEUE);
      this.action = action;
    }

    @Override
    public void clean() {
      synchronized (LOCK) {
        if (prev == null) {
          return; // already cleaned
        }
        prev.next = next;
        if (next != null) {
          next.prev = prev;
        }
        prev = null;
        next = null;
      }
      clear();
      action.run();
    }
  }
}
