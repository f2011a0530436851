package dev.quiver.kernel.jshell;

import java.util.function.Function;
import java.util.function.UnaryOperator;
import jdk.jshell.DeclarationSnippet;
import jdk.jshell.EvalException;
import jdk.jshell.JShellException;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.spi.ExecutionControl;

/**
 * An exception a cell threw, as the kernel reports it: the exception's class in the cell JVM, its
 * message, its stack in snippet form (frames named "#id" for the cell's pieces) and its cause. Made
 * from JShell's exceptions (a snippet JShell ran) or from the execution engine's (a quick cell, see
 * {@link QuickCells}).
 */
record Thrown(String className, String message, StackTraceElement[] frames, Thrown cause) {

  /** "UnresolvedReference": a snippet called something not defined yet. */
  static final String UNRESOLVED = "UnresolvedReference";

  static Thrown of(JShellException e, Function<DeclarationSnippet, String> unresolved) {
    if (e == null) {
      return null;
    }
    Thrown cause = e.getCause() instanceof JShellException j ? of(j, unresolved) : null;
    return switch (e) {
      case EvalException ee ->
          new Thrown(ee.getExceptionClassName(), ee.getMessage(), ee.getStackTrace(), cause);
      case UnresolvedReferenceException ure ->
          new Thrown(UNRESOLVED, unresolved.apply(ure.getSnippet()), ure.getStackTrace(), cause);
      default -> new Thrown(e.getClass().getName(), e.getMessage(), e.getStackTrace(), cause);
    };
  }

  /**
   * @param translate the cell JVM's frames in snippet form
   * @param unresolved the message for a snippet that calls what is not defined yet
   */
  static Thrown of(
      ExecutionControl.ExecutionControlException e,
      UnaryOperator<StackTraceElement[]> translate,
      Function<ExecutionControl.ResolutionException, String> unresolved) {
    Thrown cause =
        e.getCause() instanceof ExecutionControl.ExecutionControlException c
            ? of(c, translate, unresolved)
            : null;
    var frames = translate.apply(e.getStackTrace());
    return switch (e) {
      case ExecutionControl.UserException ue ->
          new Thrown(ue.causeExceptionClass(), ue.getMessage(), frames, cause);
      case ExecutionControl.ResolutionException re ->
          new Thrown(UNRESOLVED, unresolved.apply(re), frames, cause);
      default -> new Thrown(e.getClass().getName(), e.getMessage(), frames, cause);
    };
  }
}
