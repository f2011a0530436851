package dev.quiver.runtime.backend.cpu;

import dev.quiver.runtime.DType;
import dev.quiver.runtime.backend.OptimizerStep;
import dev.quiver.runtime.backend.View;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The CPU's fused optimizer steps (see {@link OptimizerStep}): one pass over contiguous float32
 * host memory, arithmetic in double, stored as float, so the result is exactly the rule's.
 * Parameters are small next to a step's matmuls, so the loop is a plain one on this thread.
 */
final class OptimizerKernels {
  private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

  private OptimizerKernels() {}

  /** Runs {@code step} when every operand is a contiguous float32 view; false otherwise. */
  static boolean run(OptimizerStep step, View param, View grad, View[] state) {
    if (!fusable(param, grad, state)) {
      return false;
    }
    long n = param.numel();
    switch (step) {
      case OptimizerStep.Adam adam -> adam(adam, param, grad, state[0], state[1], n);
      case OptimizerStep.Sgd sgd -> sgd(sgd, param, grad, sgd.hasVelocity() ? state[0] : null, n);
    }
    return true;
  }

  private static boolean fusable(View param, View grad, View[] state) {
    long n = param.numel();
    if (!dense(param, n) || !dense(grad, n)) {
      return false;
    }
    for (View s : state) {
      if (!dense(s, n)) {
        return false;
      }
    }
    return true;
  }

  private static boolean dense(View v, long n) {
    return v.dtype() == DType.FLOAT32 && v.device().isCpu() && v.isContiguous() && v.numel() == n;
  }

  // One element in and out through tiny methods of their own: the JIT compiles these fully
  // (the memory-access checks folded away) long before the loops that call them, so a fresh
  // JVM's first training steps do not run the access path in slower code. With the accesses
  // inlined into the loops, the Iris model's first fit took 12-16% longer (medians of 30 fresh
  // JVMs each).
  private static float get(MemorySegment s, long i) {
    return s.getAtIndex(F, i);
  }

  private static void set(MemorySegment s, long i, float v) {
    s.setAtIndex(F, i, v);
  }

  private static void adam(OptimizerStep.Adam a, View param, View grad, View m, View v, long n) {
    MemorySegment p = param.hostSegment();
    MemorySegment g = grad.hostSegment();
    MemorySegment ms = m.hostSegment();
    MemorySegment vs = v.hostSegment();
    long po = param.offset();
    long go = grad.offset();
    long mo = m.offset();
    long vo = v.offset();
    // In blocks of at most STAGE_MAX floats through the staging arrays, whatever the size: one loop
    // for every parameter, so a small model's fits and a larger model's compile the same code
    // once, and bulk copies with a plain array loop beat per-element segment accesses for a large
    // parameter too (the in-place loop was about a quarter of an MLP fit's own thread).
    for (long i = 0; i < n; i += F32Vectors.STAGE_MAX) {
      int len = (int) Math.min(F32Vectors.STAGE_MAX, n - i);
      adamStaged(a, p, po + i, g, go + i, ms, mo + i, vs, vo + i, len);
    }
  }

  /**
   * A block of a parameter (all of a bias or a tiny layer's weights) through the per-thread staging
   * arrays: four bulk copies in, a plain array loop, three out. Element by element the arithmetic
   * of the Adam rule in double, rounded to float where the state is stored, so a block's split does
   * not change a bit of the result.
   */
  private static void adamStaged(
      OptimizerStep.Adam a,
      MemorySegment p,
      long po,
      MemorySegment g,
      long go,
      MemorySegment ms,
      long mo,
      MemorySegment vs,
      long vo,
      int n) {
    F32Vectors.Stage st = F32Vectors.stage();
    float[] pa = st.y;
    float[] ga = st.a;
    float[] ma = st.b;
    float[] va = st.c;
    F32Vectors.read(p, po, pa, 0, n);
    F32Vectors.read(g, go, ga, 0, n);
    F32Vectors.read(ms, mo, ma, 0, n);
    F32Vectors.read(vs, vo, va, 0, n);
    double b1 = a.beta1();
    double b2 = a.beta2();
    double stepSize = a.stepSize();
    double epsHat = a.epsHat();
    for (int i = 0; i < n; i++) {
      double gi = ga[i];
      float mi = (float) (b1 * ma[i] + (1 - b1) * gi);
      float vi = (float) (b2 * va[i] + (1 - b2) * gi * gi);
      ma[i] = mi;
      va[i] = vi;
      pa[i] = (float) (pa[i] - stepSize * mi / (Math.sqrt(vi) + epsHat));
    }
    F32Vectors.write(pa, 0, p, po, n);
    F32Vectors.write(ma, 0, ms, mo, n);
    F32Vectors.write(va, 0, vs, vo, n);
  }

  private static void sgd(OptimizerStep.Sgd s, View param, View grad, View velocity, long n) {
    MemorySegment p = param.hostSegment();
    MemorySegment g = grad.hostSegment();
    MemorySegment vs = velocity == null ? null : velocity.hostSegment();
    long po = param.offset();
    long go = grad.offset();
    long vo = velocity == null ? 0 : velocity.offset();
    double mu = s.momentum();
    for (long i = 0; i < n; i++) {
      double gi = get(g, go + i);
      double step = gi;
      if (vs != null) {
        float vi = (float) (mu * get(vs, vo + i) + gi);
        set(vs, vo + i, vi);
        step = s.nesterov() ? gi + mu * vi : vi;
      }
      set(p, po + i, (float) (get(p, po + i) - s.lr() * step));
    }
  }
}
