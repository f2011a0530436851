package dev.quiver.kernel.jshell;

import com.sun.jdi.StackFrame;
import dev.quiver.agent.Agent;
import java.util.List;
import jdk.jshell.execution.RemoteExecutionControl;

/**
 * Where a JDI stop (an exception thrown into a thread wherever it is) would land, judged from the
 * cell thread's frames above the agent's entry, top first.
 *
 * <ul>
 *   <li>{@link Place#OUTPUT}: inside the cell JVM's output path (the agent's {@code OutputPump},
 *       its display sink, JShell's socket streams). Never stop there: it is what cut a packet to
 *       the kernel in half and ended the cell JVM. That code ends the cell itself once the kernel
 *       asked ({@code dev.quiver.agent.CellStop}).
 *   <li>{@link Place#JDK_STATE}: inside the JDK's stream, charset or lock code, where an exception
 *       can leave a buffer or a lock half updated. Avoided for a while, then accepted.
 *   <li>{@link Place#ELSEWHERE}: user code, or library code with nothing of that kind.
 * </ul>
 */
final class StopPlaces {

  enum Place {
    OUTPUT,
    JDK_STATE,
    ELSEWHERE
  }

  private static final List<String> OUTPUT_PATH =
      List.of(
          "dev.quiver.agent.OutputPump",
          "dev.quiver.agent.StreamSink",
          "dev.quiver.agent.CellStop",
          "jdk.jshell.execution.MultiplexingOutputStream",
          "jdk.jshell.execution.Util");
  private static final List<String> JDK_STATE =
      List.of(
          "java.io.",
          "sun.nio.cs.",
          "java.nio.charset.",
          "java.util.concurrent.locks.",
          "jdk.internal.misc.InternalLock");
  private static final List<String> JDK = List.of("java.", "javax.", "jdk.", "sun.", "com.sun.");

  private StopPlaces() {}

  static Place of(List<StackFrame> frames) {
    return classify(frames.stream().map(f -> f.location().declaringType().name()).toList());
  }

  /** The same, from the frames' class names, top first (for tests). */
  static Place classify(List<String> classes) {
    boolean inJdkTop = true; // still in the JDK frames on top of the thread's own code
    var place = Place.ELSEWHERE;
    for (var name : classes) {
      if (name.equals(Agent.class.getName())
          || name.equals(RemoteExecutionControl.class.getName())) {
        break; // the agent's entry: below it is JShell's command loop
      }
      if (startsWithAny(name, OUTPUT_PATH)) {
        return Place.OUTPUT;
      }
      if (inJdkTop) {
        if (startsWithAny(name, JDK_STATE)) {
          place = Place.JDK_STATE;
        } else if (!startsWithAny(name, JDK)) {
          inJdkTop = false;
        }
      }
    }
    return place;
  }

  private static boolean startsWithAny(String name, List<String> prefixes) {
    for (var p : prefixes) {
      if (name.startsWith(p)) {
        return true;
      }
    }
    return false;
  }
}
