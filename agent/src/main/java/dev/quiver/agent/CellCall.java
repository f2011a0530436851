package dev.quiver.agent;

/**
 * What the kernel's quick cells ({@code dev.quiver.kernel.jshell.QuickCells}) call in the cell JVM.
 *
 * <p>A cell that is one method call may return a value or nothing ({@code println} is void), and
 * which one is only known once the call is type-checked. Passing the call as a lambda lets the Java
 * compiler choose: {@code of(() -> f())} takes {@link Value} when {@code f} returns something (the
 * more specific overload, JLS 15.12.2.5) and {@link Action} when it returns void, in one
 * compilation. Both interfaces throw {@code Throwable}, as a JShell snippet may.
 */
public final class CellCall {

  private CellCall() {}

  /** A call that returns a value. */
  @FunctionalInterface
  public interface Value {
    Object get() throws Throwable;
  }

  /** A call that returns nothing. */
  @FunctionalInterface
  public interface Action {
    void run() throws Throwable;
  }

  /** What a statement or a void call "returns": the agent answers "no value" for it. */
  public static final Object NO_VALUE =
      new Object() {
        @Override
        public String toString() {
          return "(no value)";
        }
      };

  public static Object of(Value call) throws Throwable {
    return shown(call.get());
  }

  /**
   * The value a cell shows: nothing for a {@code PrintStream}, which is what {@code
   * System.out.printf} returns so calls can chain (JShell's own cells hide it by type).
   */
  public static Object shown(Object value) {
    return value instanceof java.io.PrintStream ? NO_VALUE : value;
  }

  public static Object of(Action call) throws Throwable {
    call.run();
    return NO_VALUE;
  }
}
