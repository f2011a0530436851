package dev.quiver.runtime.autograd;

import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.memory.MemoryScope;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Reverse-mode automatic differentiation: ops {@link #record} how to go backward, and {@link
 * #backward} walks the recorded graph from a result to the leaves in reverse topological order,
 * summing gradients where paths meet.
 */
public final class Autograd {
  private static final ThreadLocal<int[]> NO_GRAD_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

  /**
   * Marks a result whose graph was consumed by a backward pass, so a second pass fails loudly
   * instead of silently.
   */
  private static final GradNode FREED =
      new GradNode(
          "freed",
          new Tensor[0],
          g -> {
            throw new IllegalStateException(
                "backward: this graph was already used by an earlier backward() and has been "
                    + "freed; recompute the forward pass to differentiate again");
          });

  private Autograd() {}

  /** Within the returned scope no graph is recorded (inference, optimizer updates). Nests. */
  public static NoGrad noGrad() {
    NO_GRAD_DEPTH.get()[0]++;
    return new NoGrad();
  }

  /** True when ops record history on this thread. */
  public static boolean isEnabled() {
    return NO_GRAD_DEPTH.get()[0] == 0;
  }

  /** The scope returned by {@link #noGrad()}; closing it restores recording. */
  public static final class NoGrad implements AutoCloseable {
    private boolean closed;

    private NoGrad() {}

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        NO_GRAD_DEPTH.get()[0]--;
      }
    }
  }

  /** True when an op on these inputs must record history. */
  public static boolean needsGrad(Tensor... inputs) {
    // The flags first: most tensors need no grad, and then the thread-local lookup is skipped.
    for (Tensor t : inputs) {
      if (t != null && t.isGradRequired()) {
        return isEnabled();
      }
    }
    return false;
  }

  /** Links {@code output} to the op that made it when any input requires grad; returns output. */
  public static Tensor record(Tensor output, String op, Backward backward, Tensor... inputs) {
    if (needsGrad(inputs)) {
      output.setGradNode(new GradNode(op, inputs, backward));
    }
    return output;
  }

  /**
   * Back-propagates from {@code root}. Without an upstream gradient the root must have one element
   * (a loss). Gradients of leaves are added to their {@code grad()}, allocated in the leaf's own
   * memory scope so they outlive the step's temporaries. The graph is freed as it is walked, so a
   * second backward through it is an error, as in PyTorch.
   */
  public static void backward(Tensor root, Tensor upstream) {
    if (!root.isGradRequired()) {
      throw new IllegalStateException(
          "backward: this tensor does not require grad; call requiresGrad() on the "
              + "parameters before computing it");
    }
    Tensor seed;
    if (upstream == null) {
      if (root.numel() != 1) {
        throw new IllegalArgumentException(
            "backward: the result has shape "
                + root.shapeString()
                + "; backward() without an argument needs a single value (e.g. a mean loss), else pass the upstream gradient");
      }
      seed = Tensor.onesLike(root);
    } else {
      if (!Arrays.equals(upstream.shape(), root.shape())) {
        throw new IllegalArgumentException(
            "backward: upstream gradient has shape "
                + upstream.shapeString()
                + " but the result has shape "
                + root.shapeString());
      }
      if (!upstream.device().equals(root.device())) {
        throw new IllegalArgumentException(
            "backward: the result and the upstream gradient are on different devices: "
                + root.device()
                + " and "
                + upstream.device()
                + "; move the gradient with .to("
                + root.device()
                + ")");
      }
      seed = upstream;
    }
    List<Tensor> order = topologicalOrder(root);
    IdentityHashMap<Tensor, Tensor> grads = new IdentityHashMap<>();
    // Gradients this loop allocated and nobody else has seen: safe to add into in place. A
    // gradient leaves the set when it is handed to a backward (which may return it, or views of
    // it, for several inputs).
    Set<Tensor> owned = Collections.newSetFromMap(new IdentityHashMap<>());
    grads.put(root, seed);
    try (NoGrad ignored = noGrad()) {
      for (int i = order.size() - 1; i >= 0; i--) {
        Tensor t = order.get(i);
        Tensor g = grads.remove(t);
        if (g == null) {
          continue;
        }
        owned.remove(g);
        GradNode node = t.gradNode();
        if (node == null) {
          accumulateIntoLeaf(t, g);
          continue;
        }
        if (node.backward() instanceof SliceBackward slice
            && node.inputs().length == 1
            && node.inputs()[0].isGradRequired()) {
          Tensor in = node.inputs()[0];
          Tensor existing = grads.get(in);
          if (existing != null && owned.contains(existing)) {
            slice.addInto(existing, g);
          } else {
            Tensor full = slice.apply(g)[0];
            if (existing != null) {
              full.addInPlace(existing);
            }
            grads.put(in, full);
            owned.add(full);
          }
          t.setGradNode(FREED);
          continue;
        }
        Tensor[] inputGrads = node.backward().apply(g);
        Tensor[] inputs = node.inputs();
        for (int k = 0; k < inputs.length; k++) {
          Tensor in = inputs[k];
          if (in == null || !in.isGradRequired() || inputGrads[k] == null) {
            continue;
          }
          Tensor gk = inputGrads[k];
          if (!gk.sameShape(in)) {
            throw new IllegalStateException(
                "backward of "
                    + node.op()
                    + ": gradient for input "
                    + k
                    + " has shape "
                    + gk.shapeString()
                    + ", input has "
                    + in.shapeString());
          }
          Tensor existing = grads.get(in);
          if (existing == null) {
            grads.put(in, gk);
          } else if (owned.contains(existing)) {
            existing.addInPlace(gk);
          } else {
            Tensor sum = existing.add(gk);
            grads.put(in, sum);
            owned.add(sum);
          }
        }
        // Free the graph behind us: intermediate values become garbage as soon as possible.
        t.setGradNode(FREED);
      }
    }
  }

  private static void accumulateIntoLeaf(Tensor leaf, Tensor g) {
    Tensor existing = leaf.grad();
    if (existing == null) {
      MemoryScope owner = leaf.view().storage().owner();
      Tensor copy = Tensor.empty(leaf.device(), leaf.dtype(), leaf.shape(), owner);
      copy.copyFrom(g);
      leaf.setGrad(copy);
    } else {
      existing.addInPlace(g);
    }
  }

  /**
   * Nodes reachable from root, each after all of its inputs (iterative: deep graphs must not
   * overflow the stack).
   */
  private static List<Tensor> topologicalOrder(Tensor root) {
    List<Tensor> order = new ArrayList<>();
    IdentityHashMap<Tensor, Boolean> visited = new IdentityHashMap<>();
    ArrayDeque<Object[]> stack = new ArrayDeque<>();
    stack.push(new Object[] {root, 0});
    visited.put(root, Boolean.TRUE);
    while (!stack.isEmpty()) {
      Object[] frame = stack.peek();
      Tensor t = (Tensor) frame[0];
      int next = (Integer) frame[1];
      GradNode node = t.gradNode();
      Tensor[] inputs = node == null ? new Tensor[0] : node.inputs();
      if (next < inputs.length) {
        frame[1] = next + 1;
        Tensor in = inputs[next];
        if (in != null && in.isGradRequired() && visited.put(in, Boolean.TRUE) == null) {
          stack.push(new Object[] {in, 0});
        }
      } else {
        stack.pop();
        order.add(t);
      }
    }
    return order;
  }
}
